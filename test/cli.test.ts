// The smartbot CLI as a user runs it: the real bin, real exit codes, real output.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './helpers/cli.js';
import { repoRoot } from './helpers/env.js';

const run = (...args: string[]) => spawnCli(args);
/** In-process, for the many cases where spawning would only cost time. */
const inProcess = runCli;

const tmp = mkdtempSync(join(tmpdir(), 'smartbot-cli-'));
const badProd = join(tmp, 'prod-copy.yaml');
// The acceptance case: a copy of prod.yaml with replicas "two", a misspelled key and an inline sk- token.
writeFileSync(
  badProd,
  `tier: enterprise
replicas: "two"
autoscalng:
  min: 3
model:
  source: remote
  endpoint: https://api.example.com/v1
  model: smart-bot-large
  auth:
    type: bearer
    secretRef: {name: upstream, key: token}
  timeoutMs: 20000
description: "rollout key sk-abc123def456ghi789jkl012"
security:
  keyring: {file: keyrings/prod.json}
  tls: {enabled: true, minVersion: "1.3", issuer: letsencrypt-prod}
  ipAllowlist: [10.20.0.0/16]
sync:
  namespace: smartbot-prod
ingress: {host: smartbot.example.com, className: nginx}
`,
);

describe('smartbot validate (the real bin)', () => {
  it('exits 0 on the shipped environments', () => {
    const r = run('validate');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/✔ 3 environments valid/);
    expect(r.err).toBe('');
  });

  it('exits 1 naming all three problems of a broken prod copy, with lines', () => {
    const r = run('validate', badProd);
    expect(r.code).toBe(1);
    const heads = r.out.split('\n').filter((l) => l.startsWith(badProd));
    expect(heads).toEqual([
      `${badProd}:2:11  error  \`replicas\` must be an integer, got string "two"  [schema-type]`,
      `${badProd}:3:1  error  unknown key \`autoscalng\` in (top level) — did you mean \`autoscaling\`?  [schema-unknown-key]`,
      `${badProd}:13:14  error  \`description\` looks like inline secret material (an API secret key "sk-…")  [secret-inline]`,
    ]);
    expect(r.out).toContain('  2 | replicas: "two"\n    |           ^\n');
    expect(r.out).toContain('✖ 3 errors, 0 warnings: 1 of 1 environment invalid');
  });

  it('exits 2 with a clear message for a missing file', () => {
    const r = run('validate', 'environments/nope.yaml');
    expect(r.code).toBe(2);
    expect(r.out).toContain('environments/nope.yaml:1:1  error  no such file or directory: environments/nope.yaml  [io-missing]');
    expect(r.err).toBe('');
  });
});

describe('smartbot CLI usage errors', () => {
  it('a directory named like an environment file is refused, not searched (no "0 environments valid")', async () => {
    const d = join(tmp, 'looks-like-file.yaml');
    mkdirSync(join(d, 'sub.yaml'), { recursive: true });
    const r = await inProcess('validate', '--root', repoRoot, d);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`${d}:1:1  error  ${d} is a directory, not a regular file  [file-not-regular]\n  fix: Environment, tier and keyring files must be regular files: replace it with one, or rename it so its name does not end in .yaml / .json.\n\n✖ 1 error, 0 warnings: 1 of 1 environment invalid\n`);
  });

  it('a named directory without environment files is an error, not "0 environments valid"', async () => {
    const d = mkdtempSync(join(tmp, 'empty-'));
    const r = await inProcess('validate', '--root', repoRoot, d);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`${d}:1:1  error  no environment files (*.yaml, *.yml) in ${d}  [io-no-environments]`);
  });

  it('rejects an unknown option with exit 2 and no stack trace', async () => {
    const r = await inProcess('validate', '--frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toBe('smartbot validate: unknown option --frobnicate\nRun `smartbot validate --help` for usage.\n');
  });

  it('rejects an option without its value', async () => {
    const r = await inProcess('validate', '--format');
    expect(r.code).toBe(2);
    expect(r.err).toBe('smartbot validate: option --format needs a value\nRun `smartbot validate --help` for usage.\n');
  });

  it('rejects an unknown format', async () => {
    const r = await inProcess('validate', '--format', 'xml');
    expect(r.code).toBe(2);
    expect(r.err).toBe('smartbot validate: unknown --format "xml" (use text, json, github)\nRun `smartbot validate --help` for usage.\n');
  });

  it('rejects an unknown command and lists the commands', async () => {
    const r = await inProcess('deploy');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^smartbot: unknown command "deploy"\n\nUsage: smartbot <command>/);
    expect(r.err).toMatch(/^  validate +check environments/m);
  });

  it('--format json is machine-readable and complete', async () => {
    const r = await inProcess('validate', '--root', repoRoot, '--format', 'json', badProd);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ valid: false, errors: 3, warnings: 0, environments: [{ name: 'prod-copy', valid: false, errors: 3 }] });
    expect(doc.diagnostics.map((d: { rule: string; line: number; col: number }) => `${d.rule}@${d.line}:${d.col}`)).toEqual([
      'schema-type@2:11',
      'schema-unknown-key@3:1',
      'secret-inline@13:14',
    ]);
  });
});

describe('smartbot docs', () => {
  it('the committed reference and rules pages are current', async () => {
    const r = await inProcess('docs', '--check', '--root', repoRoot);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});
