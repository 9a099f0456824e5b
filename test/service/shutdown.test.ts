// Graceful shutdown of the real process (node dist/service/src/entries/main.js) with a stream in flight.
// The service relays a scripted upstream on 127.0.0.1 that streams one word every 100 ms, so the
// stream is in flight when SIGTERM arrives: readiness fails at once, new requests get 503 with
// Retry-After, the stream finishes within the grace period, and the process exits 0. With a
// grace shorter than the stream, the stream is cut with an error event and the process still
// exits 0, on time.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../service/src/config.js';
import { secretEnvName } from '../../service/src/config.js';
import { repoRoot } from '../helpers/env.js';
import { freePort, freshKeys, renderedRuntimeConfig, tempKeyring } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';

const WORDS = Array.from({ length: 15 }, (_, i) => `w${i} `);
let upstream: Server;
let upstreamUrl: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url?.endsWith('/models')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const tick = setInterval(() => {
      if (i < WORDS.length) return void res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: WORDS[i++] }, finish_reason: null }] })}\n\n`);
      clearInterval(tick);
      res.end(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
    }, 100);
    res.on('close', () => clearInterval(tick));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await new Promise<void>((r) => upstream.close(() => r()));
});

/** The service as its own process: staging's rendered config, relaying the scripted upstream. */
async function startProcess(graceSeconds: number) {
  const keys = freshKeys();
  const staging = renderedRuntimeConfig('staging');
  const model = staging.model as Extract<ServiceConfig['model'], { source: 'remote' }>;
  const port = await freePort();
  const config: ServiceConfig = {
    ...staging,
    listen: { host: '127.0.0.1', port },
    model: { ...model, endpoint: upstreamUrl },
    auth: { keyringFile: tempKeyring([keys.chat.entry]).file },
    http: { ...staging.http, shutdownGraceMs: graceSeconds * 1000 },
  };
  const file = join(tempDir('smartbot-shutdown-'), 'runtime.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [join(repoRoot, 'dist/service/src/entries/main.js'), '--config', file], { env: { ...process.env, [secretEnvName(model.auth.secretRef)]: 'upstream-key' } });
  children.push(child);
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<{ code: number | null; at: number }>((r) => child.on('exit', (code) => r({ code, at: performance.now() })));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100 && !/listening/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
  const chat = (stream: boolean) =>
    fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${keys.chat.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: model.model, messages: [{ role: 'user', content: 'hi' }], stream }) });
  return { child, url, chat, exited, log: () => log };
}

/** Reads an SSE body to its end: the content and the last two events. */
async function readStream(body: ReadableStream<Uint8Array>, onFirst: () => void) {
  const decoder = new TextDecoder();
  let text = '';
  let first = true;
  for await (const part of body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(part, { stream: true });
    if (first && text.includes('"content":"w0 "')) (first = false), onFirst();
  }
  const events = text.split('\n\n').filter(Boolean);
  const content = events.flatMap((e) => (e.startsWith('data: {"id"') ? [JSON.parse(e.slice(6)).choices[0]?.delta?.content ?? ''] : [])).join('');
  return { content, tail: events.slice(-2) };
}

describe('graceful shutdown (SIGTERM)', () => {
  it('not ready at once, new requests 503 with Retry-After, the stream in flight finishes, exit 0', async () => {
    const svc = await startProcess(10);
    const r = await svc.chat(true);
    expect(r.status).toBe(200);
    let termAt = 0;
    const during: Promise<{ ready: number; chat: Response }>[] = [];
    const stream = readStream(r.body!, () => {
      termAt = performance.now();
      svc.child.kill('SIGTERM');
      during.push(
        (async () => {
          // Give the signal a moment to arrive; then the probes and a new client see the shutdown.
          await new Promise((res) => setTimeout(res, 150));
          return { ready: (await fetch(`${svc.url}/readyz`)).status, chat: await svc.chat(false) };
        })(),
      );
    });
    const { content, tail } = await stream;
    expect(content).toBe(WORDS.join(''));
    expect(tail).toEqual([expect.stringContaining('"finish_reason":"stop"'), 'data: [DONE]']);
    const { ready, chat } = await during[0]!;
    expect(ready).toBe(503);
    expect(chat.status).toBe(503);
    expect(chat.headers.get('retry-after')).toBe('1');
    expect((await chat.json()).error.code).toBe('shutting_down');
    const exit = await svc.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - termAt).toBeLessThan(10_000);
    expect(svc.log()).toMatch(/\[INFO\] shutting down signal=SIGTERM graceMs=10000/);
  }, 30_000);

  it('a stream longer than the grace period is cut with an error event, and the process exits 0 on time', async () => {
    const svc = await startProcess(1);
    const r = await svc.chat(true);
    let termAt = 0;
    const { content, tail } = await readStream(r.body!, () => {
      termAt = performance.now();
      svc.child.kill('SIGTERM');
    });
    expect(WORDS.join('').startsWith(content)).toBe(true);
    expect(content.length).toBeLessThan(WORDS.join('').length);
    expect(JSON.parse(tail[0]!.slice(6))).toEqual({ error: { message: 'The server is shutting down: retry, another instance will answer.', type: 'service_unavailable', param: null, code: 'shutting_down' } });
    expect(tail[1]).toBe('data: [DONE]');
    const exit = await svc.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - termAt).toBeLessThan(1000 + 2500);
  }, 30_000);
});
