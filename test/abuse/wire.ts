// How the abuse corpus talks to a service: node:http for requests a client library could send
// (any method, any header, any body), and a bare TCP socket for bytes no client would (broken
// HTTP, oversized headers, a request trickled in with pauses). Both are bounded in time and
// only ever reach 127.0.0.1.
import { request } from 'node:http';
import { connect } from 'node:net';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: { error?: { message: string; type: string; param: string | null; code: string } } & Record<string, unknown> | undefined;
  ms: number;
}

const parseJson = (text: string) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export interface HttpRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One request over HTTP/1.1 to 127.0.0.1:port; resolves with the whole answer (at most `timeoutMs`). */
export function send(port: number, req: HttpRequest, timeoutMs = 10_000): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
        resolve({ status: res.statusCode!, headers, body, json: parseJson(body), ms: performance.now() - started });
      });
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/**
 * Raw bytes over TCP to 127.0.0.1:port, each piece after its pause (ms); resolves with the
 * parsed answer once the server closes the connection or `timeoutMs` passes.
 */
export function sendRaw(port: number, pieces: (string | Buffer | { pauseMs: number })[], timeoutMs = 10_000): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {}); // a reset after the answer is the server closing, as asked
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const head = text.indexOf('\r\n\r\n');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m || head < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const headers = Object.fromEntries(
        text
          .slice(0, head)
          .split('\r\n')
          .slice(1)
          .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const body = text.slice(head + 4);
      resolve({ status: Number(m[1]), headers, body, json: parseJson(body), ms: performance.now() - started });
    });
    socket.on('connect', async () => {
      for (const p of pieces) {
        if (socket.destroyed) return;
        if (typeof p === 'string' || Buffer.isBuffer(p)) socket.write(p);
        else await new Promise((r) => setTimeout(r, p.pauseMs));
      }
    });
  });
}
