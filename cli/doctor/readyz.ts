// The service's own /readyz, when it runs on this host (`npm start`, or compose publishing
// ports.external): ready, not ready (and why), or not running.
import { randomBytes } from 'node:crypto';
import { fetchBounded } from '../http.js';
import { ok, problem, reason, skip, warn, type Check } from './check.js';

const section = 'Services';

export type Readiness = { ready: true; model: string } | { ready: false; reason: string };

/**
 * GET /readyz on 127.0.0.1:port; the smartbot answer, or undefined when something else (or
 * nothing) answers. Smartbot is told by what only it does: it echoes the x-request-id a caller
 * sends, this one random, on a /readyz whose body has its shape — a 503 {"status": "not ready"}
 * from anything else is not enough. Bounded: one deadline, 64 KiB.
 */
export async function smartbotReadiness(port: number, signal?: AbortSignal, timeoutMs = 2000): Promise<Readiness | undefined> {
  const nonce = `doctor-${randomBytes(8).toString('hex')}`;
  try {
    const r = await fetchBounded(`http://127.0.0.1:${port}/readyz`, { headers: { 'x-request-id': nonce } }, { timeoutMs, maxBytes: 64 * 1024, ...(signal ? { signal } : {}) });
    if (r.headers.get('x-request-id') !== nonce) return undefined;
    const body = JSON.parse(r.body.toString('utf8')) as { status?: string; model?: string; reason?: string };
    if (r.status === 200 && body.status === 'ready') return { ready: true, model: String(body.model) };
    if (r.status === 503 && body.status === 'not ready') return { ready: false, reason: String(body.reason) };
  } catch {
    // not listening, not HTTP, not JSON, too slow or too long: not smartbot
  }
  return undefined;
}

export const readyz: Check = {
  section,
  async run(ctx) {
    const port = ctx.config.ports.external;
    const url = `http://127.0.0.1:${port}/readyz`;
    let status: number;
    try {
      status = (await fetchBounded(url, {}, { timeoutMs: 2000, maxBytes: 64 * 1024, signal: ctx.deadline })).status;
    } catch (e) {
      return [skip(section, 'readyz', `the service is not running on 127.0.0.1:${port} (${reason(e)}): /readyz not checked`)];
    }
    const r = await smartbotReadiness(port, ctx.deadline);
    if (r?.ready) return [ok(section, 'readyz', `${url} answers ready (model ${r.model})`)];
    if (r)
      return [
        problem(section, 'readyz', `${url} answers 503 not ready: ${r.reason}`, {
          why: 'until it is ready the service answers every chat request with 503',
          fix: 'Read the service log for the cause; the model checks above show why a local model would not load, and the remote-endpoint check why an upstream does not answer.',
        }),
      ];
    return [
      warn(section, 'readyz', `${url} answers ${status}, but not as smartbot does (it does not echo a request id)`, {
        why: `whatever listens on port ${port} is not the smartbot service, so clients of this host reach something else`,
        fix: 'See the port check above for who holds the port.',
      }),
    ];
  },
};
