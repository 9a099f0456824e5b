// bench/keys-verify: `smartbot keys verify` over a synthetic audit history of N entries (three
// environments, 30 keys each, rotated over and over, some revoked; a share of the rotations made
// by the scheduled workflow and Ed25519-signed), with keyrings that match its replay. Prints a
// table. Target: 100,000 entries in ≤ 2 s on 2 cores. Figures, not a test.
// Usage: npm run bench:keys [-- --runs 3]   (each measurement runs in a fresh process: --measure ROOT)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { generateSigningKeys } from '../contract/jwt.js';
import { AUDIT_LOG_FILE, fingerprint, formatKeyring, hashKey } from '../contract/keyring-file.js';
import { packageRoot } from '../contract/paths.js';
import { entryLine, formatWorkflowKey, loadSigningKey, seal, WORKFLOW_ACTOR, WORKFLOW_KEY_FILE, type AuditEntry, type UnsealedEntry } from '../contract/audit-log.js';
import { replay } from '../keys/replay.js';
import { KeySettings } from '../keys/settings.js';
import { verifyKeys } from '../keys/verify.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, measure: { type: 'string' } } });
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ENVS = ['dev', 'prod', 'staging'];
const NAMES = 30;

/**
 * A scratch repository holding a valid history of `n` entries, every `signEvery`-th one signed
 * (0: none, and no workflow key; 1: all, the key required from seq 1; else the key is committed
 * to apply after the last entry, so the earlier signatures are checked but not required).
 */
function syntheticHistory(n: number, signEvery: number): string {
  const root = mkdtempSync(join(tmpdir(), 'smartbot-bench-keys-'));
  cpSync(join(packageRoot, 'environments'), join(root, 'environments'), { recursive: true });
  mkdirSync(join(root, 'keyrings'));
  mkdirSync(join(root, 'audit'));
  const workflow = generateSigningKeys();
  if (signEvery > 0) writeFileSync(join(root, WORKFLOW_KEY_FILE), formatWorkflowKey(workflow.publicKeyPem, signEvery === 1 ? 1 : n + 1));
  const signer = loadSigningKey(workflow.privateKeyPem);
  const entries: AuditEntry[] = [];
  const generation = new Map<string, number>();
  const retiring: { env: string; id: string; fp: string }[] = [];
  let t = Date.parse('2020-01-01T00:00:00.000Z');
  const add = (e: Omit<UnsealedEntry, 'ts' | 'actor' | 'ref'>, scheduled: boolean) => {
    // With the workflow key required from seq 1 (signEvery 1), every entry is signed.
    const signed = scheduled || signEvery === 1;
    t += 60_000;
    const ts = new Date(t).toISOString();
    entries.push(seal({ ...e, ts, actor: signed ? WORKFLOW_ACTOR : 'alice@example.com', ref: signed ? 'schedule' : `PR #${entries.length}` }, entries[entries.length - 1], signed ? signer : undefined));
  };
  const newKey = (env: string, name: string) => {
    const gen = (generation.get(`${env}/${name}`) ?? 0) + 1;
    generation.set(`${env}/${name}`, gen);
    const sha256 = hashKey(`bench-${env}-${name}-${gen}`).toString('hex');
    return { keyId: `${name}.${gen}`, keyFingerprint: fingerprint(sha256), key: { name, scopes: ['chat' as const], notBefore: new Date(t + 60_000).toISOString(), sha256 } };
  };
  for (const env of ENVS) for (let i = 0; i < NAMES && entries.length < n; i++) add({ env, action: 'create', kind: 'api-key', reason: 'initial key', ...newKey(env, `svc-${i}`) }, false);
  for (let i = 0; entries.length < n; i++) {
    const env = ENVS[i % ENVS.length]!;
    if (i % 4 === 3 && retiring.length) {
      const old = retiring.shift()!;
      add({ env: old.env, action: 'revoke', kind: 'api-key', keyId: old.id, keyFingerprint: old.fp, reason: 'overlap over early' }, false);
      continue;
    }
    const name = `svc-${i % NAMES}`;
    const gen = generation.get(`${env}/${name}`)!;
    const oldId = `${name}.${gen}`;
    const signed = signEvery > 0 && i % signEvery === 0;
    add({ env, action: 'rotate', kind: 'api-key', reason: signed ? 'scheduled: 80 days old, maximum 90' : 'quarterly', retires: { keyId: oldId, until: new Date(t + 86_400_000).toISOString() }, ...newKey(env, name) }, signed);
    retiring.push({ env, id: oldId, fp: fingerprint(hashKey(`bench-${env}-${name}-${gen}`).toString('hex')) });
  }
  writeFileSync(join(root, AUDIT_LOG_FILE), entries.map((e) => `${entryLine(e)}\n`).join(''));
  const state = replay(entries);
  for (const env of ENVS) writeFileSync(join(root, 'keyrings', `${env}.json`), formatKeyring(state.envs.get(env)?.apiKeys ?? []));
  return root;
}

/** One measurement in this (fresh) process: verify the history at `root`, print the figures as JSON. */
async function measure(root: string): Promise<void> {
  const start = performance.now();
  const used = process.cpuUsage();
  const result = await verifyKeys(new KeySettings(root));
  const wall = performance.now() - start;
  const { user, system } = process.cpuUsage(used);
  if (result.diagnostics.length) throw new Error(`the synthetic history does not verify: ${result.diagnostics[0]!.message}`);
  const keyringLines = [...(result.replayed?.values() ?? [])].reduce((s, k) => s + k.apiKeys.length, 0);
  console.log(JSON.stringify({ wall, cpu: (user + system) / 1000, entries: result.entries, signed: result.signed, keyringLines }));
}

if (values.measure) await measure(values.measure);
else {
  // Each run is a fresh process: the heap of one history (and of making the next) must not slow the next measurement.
  console.log(`smartbot keys verify benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, median of ${runs} runs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('\n|       N | signed | log MB | keyring lines | verify wall ms | verify CPU ms | µs / entry (wall) | CLI wall ms |');
  console.log('|--------:|-------:|-------:|--------------:|---------------:|--------------:|------------------:|------------:|');
  for (const [n, signEvery] of [[10_000, 0], [100_000, 0], [100_000, 100], [100_000, 1]] as const) {
    const root = syntheticHistory(n, signEvery);
    const node = (...args: string[]) => {
      const start = performance.now();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stdout}${r.stderr}`);
      return { ms: performance.now() - start, out: r.stdout };
    };
    const runsOf = Array.from({ length: runs }, () => JSON.parse(node(fileURLToPath(import.meta.url), '--measure', root).out) as { wall: number; cpu: number; entries: number; signed: number; keyringLines: number });
    const cli = median(Array.from({ length: runs }, () => node(join(packageRoot, 'bin/smartbot.js'), 'keys', 'verify', '--root', root).ms));
    const first = runsOf[0]!;
    if (first.entries !== n) throw new Error(`expected ${n} entries, verified ${first.entries}`);
    const ms = median(runsOf.map((r) => r.wall));
    const cells = [
      n.toLocaleString('en').padStart(7),
      first.signed.toLocaleString('en').padStart(6),
      (statSync(join(root, AUDIT_LOG_FILE)).size / 1e6).toFixed(1).padStart(6),
      first.keyringLines.toLocaleString('en').padStart(13),
      ms.toFixed(0).padStart(14),
      median(runsOf.map((r) => r.cpu)).toFixed(0).padStart(13),
      ((ms * 1000) / n).toFixed(1).padStart(17),
      cli.toFixed(0).padStart(11),
    ];
    console.log(`| ${cells.join(' | ')} |`);
    rmSync(root, { recursive: true, force: true });
  }
}
