// An open-loop load at a fixed rate, for the latency a server adds where it is not saturated:
// request i is sent at start + i / rate, whether or not earlier ones were answered, over
// keep-alive connections (at most `connections` at once), and its latency runs from when it was
// due to when its answer ended (a late send counts against the server: no coordinated omission).
// Written here because autocannon's -R sends each second's quota per connection in one burst at
// the start of the second: its p99 is then the time to drain the burst, which restates
// throughput. Runs as its own process (bench/service pins it to CPU 1):
//   node dist/bench/service/open-loop.js '{"url":…,"method":…,"headers":…,"body":…,"rate":2000,"seconds":10,"connections":50}'
// and prints {rps, p50, p99, non2xx, errors, responses} (milliseconds) as JSON.
import { Agent, request } from 'node:http';

interface Spec {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  rate: number;
  seconds: number;
  connections: number;
}

const spec = JSON.parse(process.argv[2]!) as Spec;
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
const url = new URL(spec.url);
const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
const headers = { ...spec.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
const latencies: number[] = [];
let non2xx = 0;
let errors = 0;

function send(dueAt: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: spec.method ?? 'GET', headers, agent }, (res) => {
      if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++;
      res.on('data', () => {});
      res.on('end', () => {
        latencies.push(performance.now() - dueAt);
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

const interval = 1000 / spec.rate;
const total = Math.round(spec.rate * spec.seconds);
const started = performance.now();
const inFlight: Promise<void>[] = [];
let next = 0;
await new Promise<void>((done) => {
  // A millisecond timer sends whatever has come due: at 2,000 req/s, two requests a tick.
  const tick = setInterval(() => {
    const now = performance.now();
    while (next < total && started + next * interval <= now) inFlight.push(send(started + next++ * interval));
    if (next >= total) {
      clearInterval(tick);
      done();
    }
  }, 1);
});
await Promise.all(inFlight);
const elapsed = (performance.now() - started) / 1000;
agent.destroy();
const sorted = latencies.sort((a, b) => a - b);
const at = (p: number) => (sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!.toFixed(2)) : NaN);
console.log(JSON.stringify({ rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), non2xx, errors, responses: latencies.length }));
