// The functional part against servers that do not behave: one that never answers, and one that
// answers without end. Each request is cut at its deadline or its byte cap, and the part ends
// within its own deadline.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeadline } from '../http.js';
import { functionalChecks } from './functional.js';
import type { SmokeConfig } from '../../contract/smoke-config.js';

const config: SmokeConfig = { environment: 'dev', thresholds: { p99LatencySeconds: 2, errorRatePercent: 5 }, series: ['smartbot_http_requests_total'], logFormat: 'line', load: { durationSeconds: 1, concurrency: 1, maxRequests: 1, maxTokens: 8 } };
let silent: Server;
let huge: Server;
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as { port: number }).port}`;

beforeAll(async () => {
  silent = createServer(() => {});
  huge = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  });
  await Promise.all([silent, huge].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
});
afterAll(async () => {
  for (const s of [silent, huge]) s.closeAllConnections();
  await Promise.all([silent, huge].map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('functionalChecks', () => {
  it('a server that never answers: each request ends at its deadline, the part at its own', async () => {
    const part = runDeadline(1000);
    const t0 = performance.now();
    const { checks } = await functionalChecks({ url: urlOf(silent), token: 'sb_x_0123456789abcdefghijkl', config, requestSeconds: 0.3, deadline: part.signal });
    part.clear();
    expect(performance.now() - t0).toBeLessThan(2500);
    expect(checks[0]).toEqual({ name: 'readyz', status: 'fail', detail: 'no complete answer within 0.3 s' });
    expect(checks.at(-2)).toEqual({ name: 'metrics', status: 'fail', detail: "the run's 1 s deadline passed" });
  });

  it('an answer without end is cut at 1 MiB, not held', async () => {
    const part = runDeadline(30_000);
    const before = process.memoryUsage().rss;
    const { checks } = await functionalChecks({ url: urlOf(huge), token: 'sb_x_0123456789abcdefghijkl', config, requestSeconds: 10, deadline: part.signal });
    part.clear();
    expect(checks[0]).toEqual({ name: 'readyz', status: 'fail', detail: 'the answer is over 1 MiB: cut there' });
    expect(checks.find((c) => c.name === 'metrics')).toEqual({ name: 'metrics', status: 'fail', detail: 'the answer is over 8 MiB: cut there' });
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 2 ** 20);
  });
});
