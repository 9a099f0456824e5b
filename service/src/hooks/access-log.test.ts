// The access line's level, as an operator's log-based alerts see it: probes never ERROR, a 503
// (loading, draining, an upstream away) a warning, any other 5xx an error.
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { ApiError } from '../errors.js';
import { scriptedDeps } from '../../../test/helpers/service.js';

const { deps, keys, sink, engine, close } = scriptedDeps();
const app = buildApp(deps);
afterAll(async () => {
  close();
  await app.close();
});

/** The level and status of the access line of the request `send` makes. */
async function accessLine(send: () => Promise<unknown>): Promise<string | undefined> {
  sink.lines.length = 0;
  await send();
  // The line is written when the response's socket closes: give it a turn.
  await new Promise((r) => setImmediate(r));
  const line = sink.lines.find((l) => l.includes('request completed'));
  return line && /\[(\w+)\] request completed .*status=(\d+)/.exec(line)!.slice(1, 3).join(' ');
}
const chat = () => app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${keys.chat.key}` }, payload: { messages: [{ role: 'user', content: 'hi' }] } });

describe('access log levels', () => {
  it('logs a readiness 503 while the model loads, and /healthz, at INFO', async () => {
    engine.readinessState = { ready: false, reason: 'loading the model' };
    expect(await accessLine(() => app.inject({ url: '/readyz' }))).toBe('INFO 503');
    expect(await accessLine(() => app.inject({ url: '/healthz' }))).toBe('INFO 200');
    engine.readinessState = { ready: true };
  });

  it('logs a readiness 503 while draining at INFO', async () => {
    const draining = scriptedDeps();
    const drainingApp = buildApp(draining.deps);
    try {
      await draining.deps.lifecycle.drain(0);
      const r = await drainingApp.inject({ url: '/readyz' });
      await new Promise((r) => setImmediate(r));
      expect(r.statusCode).toBe(503);
      expect(draining.sink.lines.filter((l) => l.includes('request completed')).map((l) => /\[(\w+)\] request/.exec(l)![1])).toEqual(['INFO']);
    } finally {
      draining.close();
      await drainingApp.close();
    }
  });

  it('logs a chat answered 503 (model not ready) at WARN, and a 500 or 502 at ERROR', async () => {
    engine.fail = new ApiError('model_not_ready', { reason: 'loading the model' });
    expect(await accessLine(chat)).toBe('WARN 503');
    engine.fail = new ApiError('internal_error');
    expect(await accessLine(chat)).toBe('ERROR 500');
    engine.fail = new ApiError('upstream_rejected', { status: 401 });
    expect(await accessLine(chat)).toBe('ERROR 502');
    engine.fail = undefined;
    expect(await accessLine(chat)).toBe('INFO 200');
  });
});
