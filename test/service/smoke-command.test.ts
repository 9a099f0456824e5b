// `smartbot smoke` as a user runs it, against the in-process service (the rendered dev config,
// the demo model through real llama.cpp) and small scripted servers on 127.0.0.1: a passing
// run, a failing verdict, a wrong token, a server that answers 503 to everything, one that
// accepts any token, and an unreachable URL. Exit codes and report lines are what a user sees.
import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeFromRepository } from '../../cli/smoke/repository.js';
import { buildDemoModel, DEMO_MODEL_FILE } from '../../gguf/demo-model.js';
import { startService, type RunningService } from '../../service/src/service.js';
import { createLogger } from '../../service/src/telemetry/logger.js';
import { runCli, spawnCli, type CliRun } from '../helpers/cli.js';
import { repoRoot } from '../helpers/env.js';
import { freePort, freshKeys, renderedRuntimeConfig, tempKeyring } from '../helpers/service.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('smartbot-smoke-');
const modelsDir = join(tmp, 'models');
cpSync(join(repoRoot, 'environments'), join(tmp, 'repo/environments'), { recursive: true });
cpSync(join(repoRoot, 'keyrings'), join(tmp, 'repo/keyrings'), { recursive: true });
const keys = freshKeys();
const ring = tempKeyring([keys.chat.entry]);
const tokenFile = join(tmp, 'token');
writeFileSync(tokenFile, `${keys.chat.key}\n`);
const logFile = join(tmp, 'service.log');

/** dev's smoke config (thresholds from environments/dev.yaml), with the p99 threshold replaced. */
function smokeJson(p99LatencySeconds: number): string {
  const dev = smokeFromRepository(repoRoot, 'dev')!.config;
  const file = join(tmp, `smoke-p99-${p99LatencySeconds}.json`);
  writeFileSync(file, JSON.stringify({ ...dev, thresholds: { ...dev.thresholds, p99LatencySeconds } }));
  return file;
}

/** A short stress part: the figures are not the point here, the verdict and the report are. */
const SHORT = ['--duration', '1s', '--concurrency', '2', '--max-requests', '6'];

let service: RunningService;
let unavailable: FastifyInstance;
let acceptsAnyToken: FastifyInstance;

beforeAll(async () => {
  mkdirSync(modelsDir, { recursive: true });
  writeFileSync(join(modelsDir, DEMO_MODEL_FILE), buildDemoModel());
  // The dev config exactly as rendered, on an ephemeral loopback port (so /metrics is on it too), logging to a file.
  const dev = renderedRuntimeConfig('dev');
  const log = createLogger({ format: 'line', level: 'info', write: (line) => appendFileSync(logFile, line) });
  service = await startService({ ...dev, listen: { host: '127.0.0.1', port: 0 }, auth: { keyringFile: ring.file } }, { modelsDir, log, localInference: 'in-process' });
  await service.loaded;
  unavailable = Fastify();
  const body = { error: { message: 'The model is not loaded yet.', type: 'server_error', param: null, code: 'model_not_ready' } };
  unavailable.all('/*', async (_req, reply) => reply.code(503).send(body));
  await unavailable.listen({ host: '127.0.0.1', port: 0 });
  // Answers every request 200, whatever the Authorization header says.
  acceptsAnyToken = Fastify();
  acceptsAnyToken.all('/*', async () => ({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }));
  await acceptsAnyToken.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);

afterAll(async () => {
  await service?.close();
  await acceptsAnyToken?.close();
  await unavailable?.close();
});

const urlOf = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

const smoke = (url: string, ...args: string[]) => runCli('smoke', '--url', url, ...args);
/** Report lines of the functional part, as "mark name detail" with runs of spaces squeezed. */
const functionalLines = (r: CliRun) => r.out.split('\n').filter((l) => /^ {2}[✔✖–] /.test(l)).map((l) => l.trim().replace(/ {2,}/g, '  '));
const neverTheToken = (r: CliRun) => {
  expect(r.out).not.toContain(keys.chat.key);
  expect(r.err).not.toContain(keys.chat.key);
};

describe('against the in-process service (demo model)', () => {
  it('passes: every functional check, then the stress figures against the thresholds; exit 0', async () => {
    const r = await smoke(service.url, '--token-file', tokenFile, '--env', smokeJson(120), '--logs', logFile, ...SHORT);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe(`smartbot smoke ${service.url}: environment dev (thresholds from ${join(tmp, 'smoke-p99-120.json')})`);
    const lines = functionalLines(r);
    expect(lines.map((l) => l.split('  ').slice(0, 2).join(' '))).toEqual(['✔ readyz', '✔ models', '✔ chat (guide)', '✔ completions', '✔ completions stream', '✔ wrong token', '✔ metrics', '✔ log line']);
    expect(lines).toContain('✔  readyz  200 ready, model demo');
    expect(lines).toContain('✔  models  200, serves demo');
    expect(lines).toContainEqual(expect.stringMatching(/^✔ {2}chat \(guide\) {2}200 chat\.completion, \d+ tokens in \d+\.\d\d s, finish stop$/));
    expect(lines).toContainEqual(expect.stringMatching(/^✔ {2}completions stream {2}200 event stream, \d+ chunks, first chunk after \d+ ms, finish (stop|length), \[DONE\]$/));
    expect(lines).toContain('✔  wrong token  401 invalid_api_key');
    expect(lines).toContain('✔  metrics  all 2 series the PrometheusRule queries: smartbot_http_request_duration_seconds_bucket, smartbot_http_requests_total');
    expect(lines).toContainEqual(expect.stringMatching(/^✔ {2}log line {2}\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[INFO\] request completed reqId=/));
    expect(r.out).toMatch(/^stress: \d+\.\d s, 2 concurrent streaming chats \(max_tokens 64\), stopped by (the duration|the request limit)$/m);
    expect(r.out).toMatch(/^ {2}latency p99 +\d+(\.\d\d s| ms) +threshold ≤ 120 s +✔$/m);
    expect(r.out).toMatch(/^ {2}error rate +0\.0 % \(0 errors\) +threshold ≤ 5 % +✔$/m);
    expect(r.out).toMatch(/^ {2}429 share +0\.0 % \(0; queue full, not errors\)$/m);
    expect(r.out).toMatch(/\n✔ PASS: p99 \S+ (s|ms) ≤ 120 s; error rate 0\.0 % ≤ 5 %; 8 of 8 functional checks passed\n$/);
    // Progress on stderr: elapsed, requests, errors, current p99.
    expect(r.err).toMatch(/^smoke: \d+\.\d\/1 s, \d+ requests, 0 errors, p99 \S+ (s|ms)$/m);
    neverTheToken(r);
  }, 180_000);

  it("fails when the environment's p99 threshold is below what the demo model can do; exit 1 (json)", async () => {
    // A repository whose dev environment wants p99 ≤ 1 ms: read through validation, as `--env dev` does.
    const root = join(tmp, 'repo');
    appendFileSync(join(root, 'environments/dev.yaml'), 'monitoring:\n  alerts:\n    p99LatencySeconds: {threshold: 0.001, for: 5m}\n');
    const r = await smoke(service.url, '--token-file', tokenFile, '--env', 'dev', '--root', root, '--format', 'json', ...SHORT);
    expect(r.code).toBe(1);
    const outcome = JSON.parse(r.out);
    expect(outcome).toMatchObject({ environment: 'dev', thresholdsFrom: join(root, 'environments/dev.yaml'), thresholds: { p99LatencySeconds: 0.001, errorRatePercent: 5 } });
    expect(outcome.functional.map((c: { status: string }) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'skip']);
    expect(outcome.stress).toMatchObject({ concurrency: 2, maxTokens: 64, errors: 0, rateLimited: 0 });
    expect(outcome.stress.latency.p99).toBeGreaterThan(0.001);
    expect(outcome.verdict.pass).toBe(false);
    expect(outcome.verdict.reasons[0]).toMatch(/^p99 \d+(\.\d\d s| ms) > 1 ms$/);
    expect(outcome.verdict.reasons[1]).toBe('error rate 0.0 % ≤ 5 %');
    neverTheToken(r);
  }, 180_000);

  it('a wrong token: every authenticated check says 401 and the token was refused; stress skipped; exit 1', async () => {
    const wrong = 'sb_not_a_key_of_this_keyring_0123456789';
    const r = await smoke(service.url, '--token', wrong, '--env', smokeJson(120));
    expect(r.code).toBe(1);
    expect(functionalLines(r)).toEqual([
      '✔  readyz  200 ready, model demo',
      '✖  models  401 invalid_api_key: the token was refused',
      '✖  chat (guide)  401 invalid_api_key: the token was refused',
      '✖  completions  401 invalid_api_key: the token was refused',
      '✖  completions stream  401 invalid_api_key: the token was refused',
      '✔  wrong token  401 invalid_api_key',
      '✔  metrics  all 2 series the PrometheusRule queries: smartbot_http_request_duration_seconds_bucket, smartbot_http_requests_total',
      '–  log line  skipped: the logs are not reachable from here (--logs FILE checks the newest line)',
    ]);
    expect(r.out).toContain('\nstress: skipped (the functional part failed)\n');
    expect(r.out).toMatch(/\n✖ FAIL: models: 401 invalid_api_key: the token was refused; .*; stress: the functional part failed; 3 of 8 functional checks passed, 1 skipped\n$/);
    expect(r.out + r.err).not.toContain(wrong);
  }, 60_000);

});

it('a server that accepts any token fails the wrong-token check', async () => {
  const r = await smoke(urlOf(acceptsAnyToken), '--token-file', tokenFile, '--env', smokeJson(120));
  expect(r.code).toBe(1);
  expect(functionalLines(r)).toContain('✖  wrong token  200: a wrong token was accepted');
});

describe('against a server that answers 503 to everything', () => {
  it('fails every check with what it got; exit 1, the token never printed', async () => {
    const url = urlOf(unavailable);
    const r = await smoke(url, '--token-file', tokenFile, '--env', smokeJson(2));
    expect(r.code).toBe(1);
    expect(functionalLines(r)).toEqual([
      '✖  readyz  503 model_not_ready',
      '✖  models  503 model_not_ready',
      '✖  chat (guide)  503 model_not_ready',
      '✖  completions  503 model_not_ready',
      '✖  completions stream  503 model_not_ready',
      '✖  wrong token  expected 401, got 503 model_not_ready',
      `✖  metrics  503 from ${url}/metrics`,
      '–  log line  skipped: the logs are not reachable from here (--logs FILE checks the newest line)',
    ]);
    expect(r.out).toMatch(/\n✖ FAIL: readyz: 503 model_not_ready; models: 503 model_not_ready; .*; stress: the functional part failed; 0 of 8 functional checks passed, 1 skipped\n$/);
    neverTheToken(r);
  });

  it('--format github annotates each failure', async () => {
    const r = await smoke(urlOf(unavailable), '--token-file', tokenFile, '--env', smokeJson(2), '--format', 'github');
    expect(r.code).toBe(1);
    const annotations = r.out.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toHaveLength(8);
    expect(annotations[1]).toBe('::error title=smartbot smoke::models: 503 model_not_ready');
    expect(annotations[7]).toMatch(/^::error title=smartbot smoke::✖ FAIL: readyz: 503 model_not_ready; /);
  });
});

describe('against a server that echoes the token and writes terminal escapes', () => {
  it('masks the token before cutting what the server said, and shows escapes as text', async () => {
    const hostile = Fastify();
    // 60 characters, then the caller's token, then an OSC title change and a screen clear: a cut at
    // 80 characters used to keep the first 20 of the token, after the token's own mask missed it.
    hostile.all('/*', async (req, reply) => reply.code(500).type('text/plain').send(`${'A'.repeat(60)}${String(req.headers.authorization ?? '').slice(7)}\u001b]0;owned\u0007\u001b[2J`));
    const url = await hostile.listen({ host: '127.0.0.1', port: 0 });
    try {
      const r = await smoke(url, '--token-file', tokenFile, '--env', smokeJson(2));
      expect(r.code).toBe(1);
      const random = keys.chat.key.slice('sb_ci-chat_'.length);
      for (const stream of [r.out, r.err]) {
        expect(stream).not.toContain(random.slice(0, 8));
        expect(stream).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
      }
      expect(functionalLines(r)).toContain(`✖  models  500: ${'A'.repeat(60)}‹masked›\\x1b]0;owned\\x07\\x1b[…`);
    } finally {
      await hostile.close();
    }
  });
});

describe('an unreachable URL', () => {
  it('exits 2 with one line (in-process)', async () => {
    const port = await freePort();
    const r = await smoke(`http://127.0.0.1:${port}`, '--token-file', tokenFile);
    expect(r).toEqual({ code: 2, out: '', err: `smartbot smoke: cannot reach http://127.0.0.1:${port}: connection refused\n` });
  });

  it('exits 2 with one line from the real bin, and from the image entry alone (dist/cli/smoke.js)', async () => {
    const port = await freePort();
    const bin = spawnCli(['smoke', '--url', `http://127.0.0.1:${port}`, '--token-file', tokenFile, '--env', 'prod']);
    expect(bin).toEqual({ code: 2, out: '', err: `smartbot smoke: cannot reach http://127.0.0.1:${port}: connection refused\n` });
    // The Job's command: the image has no repository reader, so --env NAME reads the rendered ConfigMap.
    const entry = (env: string) => {
      const r = spawnSync(process.execPath, [join(repoRoot, 'dist/cli/smoke.js'), '--url', `http://127.0.0.1:${port}`, '--token-file', tokenFile, '--env', env], { cwd: repoRoot, encoding: 'utf8' });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    expect(entry('prod')).toEqual({ code: 2, out: '', err: `smartbot smoke: cannot reach http://127.0.0.1:${port}: connection refused\n` });
    expect(entry('dev')).toEqual({
      code: 2,
      out: '',
      err: 'smartbot smoke: --env dev: found no rendered/dev/kubernetes/smoke-config.yaml (the rendered smoke config exists only where verify is enabled)\n',
    });
  });
});
