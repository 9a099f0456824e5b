// Container smoke test of every shipped environment, with its *rendered* service config: the
// runtime container, the service container and Redis (when cached) on one network, through
// testcontainers. Needs Docker and the images from containers/build.sh (built here when
// missing). Without Docker it skips with one line — unless REQUIRE_DOCKER=1 (CI), which fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_REPLY, SECOND_DEMO_REPLY } from '../../gguf/demo-model.js';
import { bestVariant, CPU_VARIANT_ENV, cpuFlags } from '../../contract/cpu-variants.js';
import { formatKeyring, mintApiKey, parseKeyring } from '../../contract/keyring-file.js';
import { LOG_LINE_PATTERN } from '../../contract/telemetry.js';
import { isLocal, isRemote, modelSet } from '../../contract/models.js';
import { LLAMA_RUNTIME, PATHS } from '../../contract/service-config.js';
import { spawnCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/env.js';
import { envFixture, type EnvFixture } from './mapping.js';
import { tempDir } from '../helpers/temp.js';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'; // Ryuk's image cannot be pulled here
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
// testcontainers leaves its lock file (testcontainers-node-<uid>.lock) in the temp dir, even with Ryuk off.
afterAll(() => {
  for (const f of readdirSync(tmpdir())) if (/^testcontainers-node-.*\.lock$/.test(f)) rmSync(join(tmpdir(), f), { force: true });
});

const docker = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
const optedOut = process.env.SMARTBOT_CONTAINER_TESTS === '0' && process.env.REQUIRE_DOCKER !== '1';
const hasDocker = docker.status === 0 && !optedOut;
if (optedOut) console.log('SMARTBOT_CONTAINER_TESTS=0: skipping the container smoke tests');
else if (!hasDocker) {
  if (process.env.REQUIRE_DOCKER === '1') throw new Error(`REQUIRE_DOCKER=1 but Docker is not usable: ${docker.stderr || docker.error?.message}`);
  console.log('Docker not available: skipping the container smoke tests (set REQUIRE_DOCKER=1 to make this an error)');
}

const TAG = process.env.SMARTBOT_IMAGE_TAG ?? 'test';
const SERVICE_IMAGE = `smartbot/service:${TAG}`;
const RUNTIME_IMAGE = `smartbot/runtime:${TAG}`;
const REDIS_IMAGE = 'smartbot-base/redis:7-bookworm';
const ENVS = ['dev', 'staging', 'prod', 'multi'];
const guide = { messages: [{ role: 'user', content: '你好,介绍一下自己' }], temperature: 0.7 };

interface Stack {
  fx: EnvFixture;
  network: StartedNetwork;
  /** The runtime container serving the local models, when there are any. */
  runtime?: StartedTestContainer;
  /** The stand-in for the remote model API, when a model is remote. */
  upstream?: StartedTestContainer;
  /** Whichever of the two serves the default model. */
  main: StartedTestContainer;
  service: StartedTestContainer;
  redis?: StartedTestContainer;
  base: string;
  admin?: string;
}

async function startStack(env: string): Promise<Stack> {
  const fx = envFixture(env);
  const network = await new Network().start();
  let redis: StartedTestContainer | undefined;
  if (fx.redisHost) redis = await new GenericContainer(REDIS_IMAGE).withNetwork(network).withNetworkAliases(fx.redisHost).withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/)).start();

  const c = fx.config;
  const set = modelSet(c);
  const remote = set.models.filter(isRemote)[0];
  const start = (spec: GenericContainer) => spec.withNetwork(network).withWaitStrategy(Wait.forLogMessage(/model loaded/)).withStartupTimeout(60_000).start();
  // The environment's own model server, from the same runtime.json the service reads.
  const runtime = set.models.some(isLocal)
    ? await start(
        new GenericContainer(RUNTIME_IMAGE).withNetworkAliases(LLAMA_RUNTIME.host).withBindMounts([
          { source: fx.files.runtime, target: PATHS.config, mode: 'ro' },
          { source: fx.files.models, target: PATHS.models, mode: 'ro' },
        ]),
      )
    : undefined;
  let upstream: StartedTestContainer | undefined;
  if (remote) {
    // The remote API the environment names: the runtime, as that host, with TLS and bearer auth.
    const url = new URL(remote.endpoint);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const tls = url.protocol === 'https:' ? ['--tls-cert', '/tls/cert.pem', '--tls-key', '/tls/key.pem'] : [];
    upstream = await start(
      new GenericContainer(RUNTIME_IMAGE)
        .withNetworkAliases(url.hostname)
        .withEnvironment({ UPSTREAM_KEY: fx.upstreamKey!, SMARTBOT_HEALTH_PORT: String(port), SMARTBOT_HEALTH_SCHEME: url.protocol.slice(0, -1) })
        .withCommand(['--path', `${PATHS.models}/demo.gguf`, '--model-id', remote.model, '--api-key-env', 'UPSTREAM_KEY', '--port', String(port), ...tls])
        .withBindMounts([{ source: fx.files.models, target: PATHS.models, mode: 'ro' }, ...(fx.files.tls ? [{ source: fx.files.tls, target: '/tls', mode: 'ro' as const }] : [])]),
    );
  }
  const main = (set.models.find((m) => m.id === set.defaultModel)!.source === 'local' ? runtime : upstream)!;

  const ports = [c.listen.port, ...(c.listen.adminPort ? [c.listen.adminPort] : [])];
  const service = await new GenericContainer(SERVICE_IMAGE)
    .withNetwork(network)
    .withExposedPorts(...ports)
    .withBindMounts([
      { source: fx.files.runtime, target: PATHS.config, mode: 'ro' },
      { source: fx.files.keyring, target: PATHS.keyring, mode: 'ro' },
      { source: fx.files.secrets, target: PATHS.secrets, mode: 'ro' },
      ...(fx.files.tls ? [{ source: join(fx.files.tls, 'ca.pem'), target: '/tls/ca.pem', mode: 'ro' as const }] : []),
    ])
    .withEnvironment(fx.files.tls ? { NODE_EXTRA_CA_CERTS: '/tls/ca.pem' } : {})
    .withWaitStrategy(Wait.forHttp('/readyz', c.listen.port).forStatusCode(200))
    .withStartupTimeout(60_000)
    .start();
  const host = service.getHost();
  return {
    fx,
    network,
    ...(runtime ? { runtime } : {}),
    ...(upstream ? { upstream } : {}),
    main,
    service,
    ...(redis ? { redis } : {}),
    base: `http://${host}:${service.getMappedPort(c.listen.port)}`,
    ...(c.listen.adminPort ? { admin: `http://${host}:${service.getMappedPort(c.listen.adminPort)}` } : {}),
  };
}

async function stopStack(s: Stack | undefined): Promise<void> {
  if (!s) return;
  for (const c of [s.service, s.runtime, s.upstream, s.redis]) await c?.stop({ remove: true, removeVolumes: true }).catch(() => {});
  await s.network.stop().catch(() => {});
}

const logsOf = (c: StartedTestContainer) => execFileSync('docker', ['logs', c.getId()], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe.skipIf(!hasDocker)('container smoke test', () => {
  beforeAll(() => {
    const missing = [SERVICE_IMAGE, RUNTIME_IMAGE, REDIS_IMAGE].filter((i) => spawnSync('docker', ['image', 'inspect', i]).status !== 0);
    if (missing.length) execFileSync(join(repoRoot, 'containers/build.sh'), { env: { ...process.env, TAG }, stdio: 'inherit' });
  }, 600_000);

  describe.each(ENVS)('%s', (env) => {
    let s: Stack | undefined;
    beforeAll(async () => {
      s = await startStack(env);
    }, 180_000);
    afterAll(() => stopStack(s), 60_000);

    const chat = (body: object, key = s!.fx.apiKey) =>
      fetch(`${s!.base}/api/v1/chat`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

    it('runs with the rendered service config, byte for byte', () => {
      const cm = parse(readFileSync(join(repoRoot, 'rendered', env, 'kubernetes/configmap.yaml'), 'utf8'));
      expect(readFileSync(s!.fx.files.runtime, 'utf8')).toBe(cm.data['runtime.json']);
    });

    it('/readyz answers', async () => {
      const r = await fetch(`${s!.base}/readyz`);
      expect(r.status).toBe(200);
      expect((await r.json()).status).toBe('ready');
    });

    it("the guide's curl request works", async () => {
      const r = await chat(guide);
      expect(r.status).toBe(200);
      const body = await r.json();
      expect(body.object).toBe('chat.completion');
      expect(body.choices[0].message.content).toBe(DEMO_REPLY);
    });

    it('the openai SDK works, plain and streaming', async () => {
      const client = new OpenAI({ baseURL: `${s!.base}/v1`, apiKey: s!.fx.apiKey, maxRetries: 0 });
      const model = (await client.models.list()).data[0]!.id;
      const plain = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }], temperature: 0 });
      expect(plain.choices[0]!.message.content).toBe(DEMO_REPLY);
      let text = '';
      for await (const chunk of await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'stream' }], temperature: 0, stream: true }))
        text += chunk.choices[0]?.delta?.content ?? '';
      expect(text).toBe(DEMO_REPLY);
    });

    it.runIf(env === 'multi')('routes by model through the pod, and with the hosted API stopped its requests are answered by the local fallback, which the response names', async () => {
      const ask = (model: string) =>
        fetch(`${s!.base}/v1/chat/completions`, { method: 'POST', headers: { Authorization: `Bearer ${s!.fx.apiKey}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
      for (const [model, reply] of [['small', DEMO_REPLY], ['large', SECOND_DEMO_REPLY], ['hosted', DEMO_REPLY]] as const) {
        const r = await ask(model);
        expect([r.status, r.headers.get('x-smartbot-model'), r.headers.get('x-smartbot-fallback'), (await r.json()).choices[0].message.content]).toEqual([200, model, null, reply]);
      }
      execFileSync('docker', ['stop', '-t', '2', s!.upstream!.getId()]);
      const r = await ask('hosted');
      expect([r.status, r.headers.get('x-smartbot-model'), r.headers.get('x-smartbot-fallback'), (await r.json()).model]).toEqual([200, 'small', 'hosted->small', 'small']);
      execFileSync('docker', ['start', s!.upstream!.getId()]);
      // Back before the next checks (the smoke asks hosted itself): its readiness is the upstream's.
      let back = false;
      for (let i = 0; i < 120 && !back; i++) {
        back = (await fetch(`${s!.base}/v1/models/hosted`, { headers: { Authorization: `Bearer ${s!.fx.apiKey}` } })).status === 200;
        if (!back) await new Promise((res) => setTimeout(res, 500));
      }
      expect(back).toBe(true);
    }, 90_000);

    it('a bad token gets 401', async () => {
      const r = await chat(guide, 'sb_not_a_key');
      expect(r.status).toBe(401);
      expect((await r.json()).error.code).toBe('invalid_api_key');
    });

    it('a second identical deterministic request is a cache hit when the cache is on, visible in /metrics', async () => {
      const body = { messages: [{ role: 'user', content: `cache probe ${env}` }], temperature: 0 };
      const first = await chat(body);
      const second = await chat(body);
      const metrics = await (await fetch(`${s!.admin ?? s!.base}/metrics`)).text();
      if (s!.fx.config.cache.redis.enabled) {
        expect([first.headers.get('x-smartbot-cache'), second.headers.get('x-smartbot-cache')]).toEqual(['miss', 'hit']);
        expect(metrics).toMatch(/^smartbot_cache_lookups_total\{result="hit"\} [1-9]/m);
      } else {
        expect(second.headers.get('x-smartbot-cache')).toBe('bypass');
      }
      expect((await second.json()).choices[0].message.content).toBe(DEMO_REPLY);
    });

    it("/metrics exposes every series the environment's PrometheusRule queries from the service", async () => {
      const rule = parse(readFileSync(join(repoRoot, 'rendered', env, 'kubernetes/prometheusrule.yaml'), 'utf8'));
      const exprs = (rule.spec.groups[0].rules as { expr: string }[]).map((r) => r.expr).join('\n');
      // container_* and kube_* series come from the kubelet and kube-state-metrics, not the service.
      const names = [...new Set(exprs.match(/\bsmartbot_\w+/g))];
      expect(names.length).toBeGreaterThanOrEqual(2);
      const metrics = await (await fetch(`${s!.admin ?? s!.base}/metrics`)).text();
      for (const name of names) expect(metrics).toMatch(new RegExp(`^${name}(\\{| )`, 'm'));
    });

    it("local models are decoded by the image's llama-server behind the runtime's front, on the best CPU variant this CPU runs; a remote API stand-in by node-llama-cpp", () => {
      // A container restarted by an earlier check logs its loads again: each load counts once per model.
      const loaded = (c: StartedTestContainer) => logsOf(c).split('\n').filter((l) => l.includes('] model loaded'));
      if (s!.runtime) {
        const lines = loaded(s!.runtime);
        expect(lines.every((l) => new RegExp(` engine=llama-server cpuVariant=${bestVariant(cpuFlags())!.level}$`).test(l))).toBe(true);
        expect([...new Set(lines.map((l) => / model=(\S+)/.exec(l)![1]))].sort()).toEqual(modelSet(s!.fx.config).models.filter(isLocal).map((m) => m.id).sort());
      }
      if (s!.upstream) {
        const lines = loaded(s!.upstream);
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.every((l) => / chatWrapper=\S+ /.test(l))).toBe(true);
      }
    });

    it('every log line the containers printed matches the guide pattern', () => {
      const pattern = new RegExp(LOG_LINE_PATTERN);
      const lines = [s!.service, s!.runtime, s!.upstream].filter((c) => c !== undefined).flatMap((c) => logsOf(c).split('\n').filter(Boolean));
      expect(lines.length).toBeGreaterThan(5);
      expect(lines.filter((l) => !pattern.test(l))).toEqual([]);
      expect(lines.join('\n')).not.toContain(s!.fx.apiKey);
    });

    it('`smartbot smoke` itself runs against the containers: every functional check passes; the stress part is judged against the environment thresholds and sets the exit code', () => {
      const dir = tempDir('smartbot-smoke-cli-');
      const tokenFile = join(dir, 'token');
      const logs = join(dir, 'service.log');
      writeFileSync(tokenFile, s!.fx.apiKey);
      writeFileSync(logs, logsOf(s!.service));
      // One stream at a time and a short run: the suite shares two cores with the others, and
      // the verdict judges p99 against the environment's own threshold.
      const load = ['--duration', '3s', '--concurrency', '1', '--max-requests', '20'];
      const r = spawnCli(['smoke', '--url', s!.base, '--token-file', tokenFile, '--env', env, '--metrics-url', `${s!.admin ?? s!.base}/metrics`, '--logs', logs, ...load, '--format', 'json'], { timeoutMs: 60_000 });
      const report = JSON.parse(r.out);
      expect(report.functional.filter((c: { status: string }) => c.status !== 'pass')).toEqual([]);
      expect(report.stress.requests).toBeGreaterThan(0);
      expect(report.stress.errorRatePercent).toBe(0);
      // The p99 half of the verdict is not asserted to pass here: in CI other suites decode on the
      // same two cores meanwhile (p99 measured 0.4–3.5 s), which says nothing about the service.
      // What is asserted: the verdict is the thresholds' judgement of the figures, and the exit code follows it.
      expect(report.thresholdsFrom).toContain(`${env}.yaml`);
      expect(report.verdict.pass).toBe(report.stress.latency.p99 <= report.thresholds.p99LatencySeconds && report.stress.errorRatePercent <= report.thresholds.errorRatePercent);
      expect(r.code).toBe(report.verdict.pass ? 0 : 1);
      expect(r.out + r.err).not.toContain(s!.fx.apiKey);
    }, 90_000);

    it('answers 503 within 5 s when the default model\'s server stops, and recovers when it starts again, without a restart', async () => {
      const serviceStarted = execFileSync('docker', ['inspect', '-f', '{{.State.StartedAt}}', s!.service.getId()], { encoding: 'utf8' });
      execFileSync('docker', ['stop', '-t', '2', s!.main.getId()]);
      const t0 = Date.now();
      const r = await chat(guide);
      const elapsed = Date.now() - t0;
      expect(r.status).toBe(503);
      expect(elapsed).toBeLessThan(5000);
      expect((await fetch(`${s!.base}/readyz`)).status).toBe(503);

      execFileSync('docker', ['start', s!.main.getId()]);
      let ok = false;
      for (let i = 0; i < 120 && !ok; i++) {
        ok = (await fetch(`${s!.base}/readyz`)).status === 200;
        if (!ok) await new Promise((res) => setTimeout(res, 500));
      }
      expect(ok).toBe(true);
      const again = await chat(guide);
      expect(again.status).toBe(200);
      expect((await again.json()).choices[0].message.content).toBe(DEMO_REPLY);
      expect(execFileSync('docker', ['inspect', '-f', '{{.State.StartedAt}}', s!.service.getId()], { encoding: 'utf8' })).toBe(serviceStarted);
    }, 90_000);

    // One environment is enough: the keyring is the same mounted ConfigMap file in all of them.
    it.runIf(env === 'dev')('follows key rotation without a restart: both keys during the overlap, then key_expired; a revoke is key_revoked within 2 s', async () => {
      const serviceStarted = execFileSync('docker', ['inspect', '-f', '{{.State.StartedAt}}', s!.service.getId()], { encoding: 'utf8' });
      const old = parseKeyring(readFileSync(s!.fx.files.keyring, 'utf8')).keys[0]!;
      const next = mintApiKey(old.name, old.scopes, { id: `${old.name}.2` });
      const overlapEnds = Date.now() + 6000;
      // What `smartbot keys rotate --overlap` writes, changed in place like a ConfigMap update.
      writeFileSync(s!.fx.files.keyring, formatKeyring([{ ...old, status: 'retiring', expires: new Date(overlapEnds).toISOString() }, next.entry]));
      // Probed with GET /v1/models (chat scope, no inference): quick even while CI decodes elsewhere.
      const probe = (key: string) => fetch(`${s!.base}/v1/models`, { headers: { Authorization: `Bearer ${key}` } });
      const until = async (key: string, want: number, ms: number) => {
        const t0 = Date.now();
        let r = await probe(key);
        while (r.status !== want && Date.now() - t0 < ms) {
          await new Promise((res) => setTimeout(res, 100));
          r = await probe(key);
        }
        return { status: r.status, code: r.status === 200 ? undefined : (await r.json()).error.code, ms: Date.now() - t0 };
      };
      expect((await until(next.key, 200, 4000)).status).toBe(200);
      expect(Date.now()).toBeLessThan(overlapEnds);
      expect((await probe(s!.fx.apiKey)).status).toBe(200);
      expect((await chat(guide, next.key)).status).toBe(200);
      await new Promise((res) => setTimeout(res, Math.max(0, overlapEnds - Date.now() + 200)));
      expect(await until(s!.fx.apiKey, 401, 2000)).toMatchObject({ status: 401, code: 'key_expired' });

      writeFileSync(s!.fx.files.keyring, formatKeyring([{ ...old, status: 'retiring', expires: new Date(overlapEnds).toISOString() }, { ...next.entry, status: 'revoked' }]));
      const revoked = await until(next.key, 401, 2000);
      expect(revoked).toMatchObject({ status: 401, code: 'key_revoked' });
      expect(revoked.ms).toBeLessThan(2000);
      expect(execFileSync('docker', ['inspect', '-f', '{{.State.StartedAt}}', s!.service.getId()], { encoding: 'utf8' })).toBe(serviceStarted);
    }, 60_000);
  });
});

describe.skipIf(!hasDocker)("the runtime image's CPU variants", () => {
  let network: StartedNetwork | undefined;
  let runtime: StartedTestContainer | undefined;
  afterAll(async () => {
    await runtime?.stop({ remove: true, removeVolumes: true }).catch(() => {});
    await network?.stop().catch(() => {});
  }, 60_000);

  it(`$${CPU_VARIANT_ENV}=x86-64-v3 loads the lower variant (here, where the CPU has ${bestVariant(cpuFlags())?.level ?? 'none'}) and it serves`, async () => {
    const fx = envFixture('dev');
    const port = fx.config.runtime?.port ?? LLAMA_RUNTIME.port;
    network = await new Network().start();
    runtime = await new GenericContainer(RUNTIME_IMAGE)
      .withNetwork(network)
      .withEnvironment({ [CPU_VARIANT_ENV]: 'x86-64-v3' })
      .withExposedPorts(port)
      .withBindMounts([
        { source: fx.files.runtime, target: PATHS.config, mode: 'ro' },
        { source: fx.files.models, target: PATHS.models, mode: 'ro' },
      ])
      // The runtime's own line (llama-server's "model loaded", at debug, comes first).
      .withWaitStrategy(Wait.forLogMessage(/\[INFO\] model loaded/))
      .withStartupTimeout(60_000)
      .start();
    const logs = logsOf(runtime);
    expect(logs).toMatch(/\] llama-server starting .* cpuVariant=x86-64-v3 cpuVariants=x86-64-v3,x86-64-v4 forcedBy=SMARTBOT_CPU_VARIANT$/m);
    expect(logs).toMatch(/\] model loaded .* cpuVariant=x86-64-v3$/m);
    const base = `http://${runtime.getHost()}:${runtime.getMappedPort(port)}`;
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready', engine: 'llama-server', cpuVariant: 'x86-64-v3' });
    const r = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], temperature: 0 }) });
    expect(r.status).toBe(200);
    expect((await r.json()).choices[0].message.content).toBe(DEMO_REPLY);
  }, 120_000);
});
