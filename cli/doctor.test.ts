// `smartbot doctor` as a user runs it: all good for dev on this repository, and each planted
// fault (a port held by this test, a corrupt model, a missing Redis, a wrong Node range, more
// threads than CPUs) reported with what, why and the exact fix.
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDemoModel } from '../gguf/demo-model.js';
import { runCli } from '../test/helpers/cli.js';
import { doctorRepo, ensureDemoModel, findings } from '../test/helpers/doctor.js';
import { repoRoot } from '../test/helpers/env.js';
import { freePort } from '../test/helpers/service.js';
import type { Finding } from './doctor/check.js';
import { doctorText } from './doctor/format.js';
import { nodeVersion } from './doctor/node-version.js';
import { threads } from './doctor/threads.js';

const listen = (port: number) => new Promise<Server>((resolve) => { const s = createServer(); s.listen(port, '127.0.0.1', () => resolve(s)); });
const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

describe('smartbot doctor', () => {
  it('reports all good for dev on this repository, with the demo model made as npm start makes it', async () => {
    ensureDemoModel();
    const r = await runCli('doctor', '--env', 'dev', '--json', '--root', repoRoot);
    const doc = JSON.parse(r.out) as { ok: boolean; problems: number; findings: Finding[] };
    expect(doc.findings.filter((f) => f.status === 'problem')).toEqual([]);
    expect(r.code).toBe(0);
    expect(doc.ok).toBe(true);
    const status = (check: string) => findings(doc.findings, check).map((f) => f.status);
    for (const check of ['model-present', 'model-sha256', 'model-header', 'model-fit', 'model-load', 'node-version', 'native-binary', 'cpu-variant', 'threads', 'dependencies']) expect(status(check)).toEqual(['ok']);
    expect(findings(doc.findings, 'model-load')[0]!.summary).toMatch(/^loads for real in node-llama-cpp in \d+ ms \(2 threads, UV_THREADPOOL_SIZE=1, context 2048 × 4 sequences\)$/);
    expect(findings(doc.findings, 'native-binary')[0]!.summary).toMatch(/^node-llama-cpp 3\.21\.1 loads its (CPU|CUDA|Vulkan) binary/);
  }, 120_000);

  it('reports a held port, a corrupt model and a missing Redis with what, why and the fix, and exits 1', async () => {
    const held = await freePort();
    servers.push(await listen(held));
    const [admin, closed] = [await freePort(), await freePort()];
    const corrupt = buildDemoModel();
    corrupt.write('GGUX', 0); // the magic number: the header no longer reads, and the sha256 differs
    const repo = doctorRepo(
      (y) => `${y}ports: {external: ${held}, admin: ${admin}}\ncache:\n  redis: {enabled: true, url: "redis://127.0.0.1:${closed}"}\n`,
      corrupt,
    );
    const r = await runCli('doctor', '--root', repo.root, '--json');
    expect(r.code).toBe(1);
    const all = (JSON.parse(r.out) as { findings: Finding[] }).findings;
    const envFile = `${repo.root}/environments/dev.yaml`;

    const [port] = findings(all, 'port');
    expect(port).toMatchObject({ status: 'problem', summary: expect.stringMatching(new RegExp(`^port ${held} \\(ports\\.external\\) is in use by pid ${process.pid} \\(.*node.*\\), listening on 127\\.0\\.0\\.1$`)) });
    expect(port!.why).toBe('smartbot cannot listen on it: `npm start` and `docker compose up` of rendered/dev/compose fail with EADDRINUSE');
    expect(port!.fix).toBe(`Stop it (\`kill ${process.pid}\`), or give smartbot another port: set \`ports.external\` in ${envFile} and run \`npx smartbot render\` (for \`npm start\` alone: \`PORT=<free port> npm start\`).`);
    expect(findings(all, 'port')[1]).toMatchObject({ status: 'ok', summary: `port ${admin} (ports.admin) is free` });

    const sha = findings(all, 'model-sha256')[0]!;
    expect(sha.status).toBe('problem');
    expect(sha.summary).toMatch(new RegExp(`^sha256 of .*models/demo\\.gguf is [0-9a-f]{64}, but model\\.sha256 is c4fbda93ff4793a7f104f89ce0241fc31fda4d9afe9d5af69e1030d1ce72d6f2$`));
    expect(sha.why).toContain('(The deployment guide checks MD5; smartbot pins sha256.)');
    expect(sha.fix).toMatch(/^Restore the file \(download it again until `sha256sum .*models\/demo\.gguf` prints c4fbda93.*\), or, if the model was replaced on purpose, set `model\.sha256: [0-9a-f]{64}` in /);
    expect(findings(all, 'model-header')[0]).toMatchObject({ status: 'problem', summary: expect.stringMatching(/the GGUF header of .*models\/demo\.gguf is unreadable: .*magic/i) });
    expect(findings(all, 'model-load')[0]).toMatchObject({ status: 'skip', summary: 'load not tried: the model file has the problems above' });

    expect(findings(all, 'redis')[0]).toEqual({
      section: 'Services',
      check: 'redis',
      status: 'problem',
      summary: `Redis at 127.0.0.1:${closed} is not reachable: connect ECONNREFUSED 127.0.0.1:${closed}`,
      why: 'the cache fails open: the service still answers, but every repeated temperature-0 request is decoded again and each one logs a Redis warning',
      fix: `Start Redis there (for example \`redis-server --port ${closed}\`), correct \`cache.redis.url\` (or its Secret), or set \`cache.redis.enabled: false\` in ${envFile}.`,
    });
  }, 60_000);

  it('reports a Node version outside engines and more threads than the cgroup allows (injected host facts)', async () => {
    const ctx = doctorRepo().ctx({ engines: '>=99.1', nodeVersion: '20.20.2', cpus: { count: 1, source: 'cgroup limit 1.0 CPUs' }, env: { UV_THREADPOOL_SIZE: '1' } });
    // Only the two checks these facts feed: the others load node-llama-cpp and run npm ls.
    const all = [...(await nodeVersion.run(ctx)), ...(await threads.run(ctx))];
    expect(findings(all, 'node-version')[0]).toEqual({
      section: 'Runtime',
      check: 'node-version',
      status: 'problem',
      summary: 'Node 20.20.2 does not satisfy package.json engines.node ">=99.1"',
      why: 'smartbot and its native dependency (node-llama-cpp) are built and tested for that range; outside it they may fail to start or behave differently',
      fix: 'Install a Node version in ">=99.1" (for example with nvm: `nvm install 22 && nvm use 22`), then reinstall the dependencies with `npm ci`.',
    });
    expect(findings(all, 'threads')[0]).toMatchObject({
      status: 'problem',
      summary: '2 inference threads (from resources.cpu "2"), but only 1 CPUs are available here (cgroup limit 1.0 CPUs)',
      fix: `Set \`model.threads: 1\` (or \`resources.cpu: "1"\`) in ${ctx.envFile}, or run where 2 CPUs are available.`,
    });
    const text = doctorText({ environment: 'dev', file: ctx.envFile, findings: all });
    expect(text).toContain('  ✖ Node 20.20.2 does not satisfy package.json engines.node ">=99.1"\n      why: smartbot and its native dependency');
    expect(text.endsWith('\n✖ 2 problems (1 passed, 0 skipped): fix them from the top, later ones can follow from earlier ones\n')).toBe(true);
  }, 60_000);

  it('cannot run (exit 2) for an unknown or invalid environment', async () => {
    const unknown = await runCli('doctor', '--env', 'nope', '--root', repoRoot);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe(`smartbot doctor: no environment "nope": ${repoRoot}/environments/nope.yaml does not exist\nRun \`smartbot doctor --help\` for usage.\n`);
    const repo = doctorRepo((y) => y.replace('tier: base', 'tier: basic'));
    const invalid = await runCli('doctor', '--root', repo.root);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toContain(`environments/dev.yaml does not validate, so doctor cannot tell what to check:\n${repo.root}/environments/dev.yaml:2:7  error  unknown tier "basic"`);
  });
});
