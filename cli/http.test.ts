// The bounded HTTP client of smoke, doctor and the GitHub commands: a total deadline per request
// that a trickling server cannot reset, a run deadline, and a byte cap past which nothing is
// held — against real servers on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerTooLarge, DeadlineExceeded, fetchBounded, runDeadline } from './http.js';

let server: Server;
let url: string;
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/trickle') {
      // A byte every 50 ms, forever: an idle timeout never fires.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const t = setInterval(() => res.write(':'), 50);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    } else if (req.url === '/huge') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    } else if (req.url === '/silent') {
      // Takes the request and never answers.
    } else res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const t of timers) clearInterval(t);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('fetchBounded', () => {
  it('ends a stream that keeps sending bytes at the request deadline', async () => {
    const t0 = performance.now();
    await expect(fetchBounded(`${url}/trickle`, {}, { timeoutMs: 400, maxBytes: 2 ** 20 })).rejects.toThrow(new DeadlineExceeded(0.4, 'request'));
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('drops an answer over the byte cap without holding it', async () => {
    const before = process.memoryUsage().rss;
    await expect(fetchBounded(`${url}/huge`, {}, { timeoutMs: 10_000, maxBytes: 1024 * 1024 })).rejects.toThrow(new AnswerTooLarge(1024 * 1024));
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });

  it('ends at the run deadline whatever each request may still take', async () => {
    const run = runDeadline(300);
    const t0 = performance.now();
    await expect(fetchBounded(`${url}/silent`, {}, { timeoutMs: 60_000, maxBytes: 1024, signal: run.signal })).rejects.toThrow("the run's 0.3 s deadline passed");
    expect(performance.now() - t0).toBeLessThan(2000);
    run.clear();
  });

  it('returns a small answer whole', async () => {
    const a = await fetchBounded(`${url}/`, {}, { timeoutMs: 2000, maxBytes: 1024 });
    expect([a.status, a.body.toString()]).toEqual([200, 'ok']);
  });
});
