// The admin console's overview: server time per render (its Server-Timing header: session check,
// readiness, metrics history, six SVG charts, the templates), idle and while the API serves
// chat load. The service is the real one on the demo model (in-process llama.cpp, one thread);
// the load comes from autocannon in a child process (its own event loop), pinned to the other
// CPU with taskset when there is one (the overview requests come from the service's own process,
// one at a time). The history is full (180 intervals: what a pod shows after
// 15 minutes), sampled fast to fill it. Target (issue 14): p99 ≤ 50 ms while the API is loaded.
//   npm run bench:console [-- --renders 300 --seconds 20 --connections 8]
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HISTORY_SAMPLES } from '../service/src/admin/history.js';
import { freePort, freshKeys, startDemoService } from '../test/helpers/service.js';
import { repoRoot } from '../test/helpers/env.js';
import { median, printTable, type Table } from './service/table.js';

const { values } = parseArgs({ options: { renders: { type: 'string', default: '300' }, seconds: { type: 'string', default: '20' }, connections: { type: 'string', default: '8' } } });
const RENDERS = Number(values.renders);
const SAMPLE_MS = 20;
const hasTaskset = spawnSync('taskset', ['-V']).status === 0 && cpus().length > 1;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `renders` overview requests one after another: server time (Server-Timing) and time at the client, ms. */
async function measure(url: string, cookie: string, renders: number, until = () => true) {
  const server: number[] = [];
  const client: number[] = [];
  for (let i = 0; i < renders && until(); i++) {
    const t0 = performance.now();
    const r = await fetch(url, { headers: { cookie } });
    await r.text();
    client.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`overview answered ${r.status}`);
    server.push(Number(/dur=([\d.]+)/.exec(r.headers.get('server-timing') ?? '')?.[1]));
  }
  return { server, client };
}

async function main(): Promise<void> {
  if (hasTaskset) spawnSync('taskset', ['-cp', '0', String(process.pid)]);
  const adminPort = await freePort();
  const keys = freshKeys();
  const { service, key } = await startDemoService({ keys, changes: (c) => ({ ...c, listen: { ...c.listen, adminPort } }), start: { console: { sampleMs: SAMPLE_MS } } });
  const admin = `http://127.0.0.1:${adminPort}`;
  try {
    const login = await fetch(`${admin}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(keys.admin.key)}` });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    // Some traffic, so the charts have lines, then until the ring is full.
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 16, temperature: 0.7 });
    const chat = () => fetch(`${service.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body }).then((r) => r.text());
    for (let i = 0; i < 20; i++) await chat();
    await sleep(HISTORY_SAMPLES * SAMPLE_MS * 1.5);

    await measure(`${admin}/`, cookie, 50); // warm-up: JIT, template caches
    const idle = await measure(`${admin}/`, cookie, RENDERS);
    // autocannon in its own process, on the other CPU when taskset is there.
    const seconds = Number(values.seconds);
    const args = [join(repoRoot, 'node_modules/autocannon/autocannon.js'), '-m', 'POST', '-H', `authorization=Bearer ${key}`, '-H', 'content-type=application/json', '-b', body, '-c', values.connections!, '-d', String(seconds), '-j', `${service.url}/v1/chat/completions`];
    const child = hasTaskset ? spawn('taskset', ['-c', '1', process.execPath, ...args]) : spawn(process.execPath, args);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const done = new Promise<void>((r) => child.on('exit', () => r()));
    let running = true;
    void done.then(() => (running = false));
    await sleep(2000);
    const loaded = await measure(`${admin}/`, cookie, RENDERS, () => running);
    await done;
    const cannon = JSON.parse(out) as { requests: { average: number }; non2xx: number };

    const ms = (x: number) => x.toFixed(1);
    const row = (name: string, m: { server: number[]; client: number[] }, load: string) => [name, load, m.server.length, ms(median(m.server)), ms(quantile(m.server, 0.95)), ms(quantile(m.server, 0.99)), ms(Math.max(...m.server)), ms(median(m.client)), ms(quantile(m.client, 0.99))];
    const p99 = quantile(loaded.server, 0.99);
    const table: Table = {
      title: 'Admin console',
      note: `Overview page, history full (${HISTORY_SAMPLES - 1} intervals × 6 charts), renders one after another; demo model in-process (1 thread); load: autocannon ${values.connections} connections on /v1/chat/completions (max_tokens 16)${hasTaskset ? ', pinned to the other CPU' : ''}. ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}.`,
      columns: ['overview', 'API load', 'renders', 'server p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'client p50 ms', 'client p99 ms'],
      rows: [row('idle API', idle, '—'), row('API under load', loaded, `${Math.round(cannon.requests.average)} req/s${cannon.non2xx ? `, ${cannon.non2xx} non-2xx` : ''}`)],
      targets: [{ target: 'overview server time p99 ≤ 50 ms while the API serves load', measured: `${ms(p99)} ms`, met: p99 <= 50 }],
    };
    console.log(printTable(table));
  } finally {
    await service.close();
  }
}

await main();
