// The smartbot CLI as a user runs it: the real bin, real exit codes, real output.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './helpers/cli.js';
import { repoRoot } from './helpers/env.js';
import { tempRepo } from './helpers/repo.js';
import { tempDir } from './helpers/temp.js';

const run = (...args: string[]) => spawnCli(args);
/** In-process, for the many cases where spawning would only cost time. */
const inProcess = runCli;

const tmp = tempDir('smartbot-cli-');
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
    expect(r.out).toMatch(/✔ 4 environments valid/);
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

// The hostile repositories: each gives one clear, located, bounded error, fast, and
// nothing from outside the repository is printed.
describe('smartbot validate against hostile repositories', () => {
  const models = (root: string) => ['--models-dir', join(root, 'models')];

  it('an environment file linked to a CI secret is refused, and --format github publishes nothing of it', async () => {
    const repo = tempRepo();
    const link = join(repo.root, 'environments/leak.yaml');
    symlinkSync(repo.secretFile, link);
    const r = await inProcess('validate', '--root', repo.root, '--format', 'github', ...models(repo.root));
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter((l) => l.startsWith('::error'))).toEqual([
      `::error file=${link},line=1,col=1,title=smartbot file-symlink::${link} is a symbolic link; smartbot reads only regular files inside the repository%0Afix: Replace the link with a regular file holding the content (git%3A commit the file, not a link).`.replace('(git%3A', '(git:'),
    ]);
    expect(r.out).not.toContain(repo.secret);
  });

  it('a link to /dev/zero, a FIFO and a device are refused at once by the real bin, without reading them', () => {
    const repo = tempRepo();
    symlinkSync('/dev/zero', join(repo.root, 'environments/zero.yaml'));
    const fifo = join(repo.root, 'environments/pipe.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const started = performance.now();
    const r = spawnCli(['validate', '--root', repo.root, ...models(repo.root), '/dev/null', join(repo.root, 'environments')], { timeoutMs: 10_000 });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out.split('\n').filter((l) => / {2}error {2}/.test(l))).toEqual([
      '/dev/null:1:1  error  /dev/null is a character device, not a regular file  [file-not-regular]',
      `${fifo}:1:1  error  ${fifo} is a named pipe (FIFO), not a regular file  [file-not-regular]`,
      `${repo.root}/environments/zero.yaml:1:1  error  ${repo.root}/environments/zero.yaml is a symbolic link; smartbot reads only regular files inside the repository  [file-symlink]`,
    ]);
  });

  it('a tier directory linked out of the repository is refused where the tier file would be read', async () => {
    const repo = tempRepo();
    const tiers = join(repo.root, 'environments/tiers');
    cpSync(tiers, join(repo.outside, 'tiers'), { recursive: true });
    appendFileSync(join(repo.outside, 'tiers/base.yaml'), `${repo.secret}: 1\n`);
    rmSync(tiers, { recursive: true });
    symlinkSync(join(repo.outside, 'tiers'), tiers);
    const r = await inProcess('validate', '--root', repo.root, ...models(repo.root));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${tiers}/base.yaml:1:1  error  ${tiers}/base.yaml is outside the repository root; smartbot reads only files inside it  [file-outside-root]`);
    expect(r.out).not.toContain(repo.secret);
  });

  it('a keyring linked to a secret is refused where the environment names it, and render writes nothing', async () => {
    const repo = tempRepo();
    rmSync(join(repo.root, 'keyrings/dev.json'));
    symlinkSync(repo.secretFile, join(repo.root, 'keyrings/dev.json'));
    const r = await inProcess('render', '--root', repo.root);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `${repo.root}/environments/dev.yaml:15:11  error  ${repo.root}/keyrings/dev.json is a symbolic link; smartbot reads only regular files inside the repository  [file-symlink]\n  15 |     file: keyrings/dev.json\n     |           ^\n`,
    );
    expect(r.err).toBe('smartbot render: nothing written — fix the problems above first\n');
    expect(r.out + r.err).not.toContain(repo.secret);
  });

  it('a 50 MB file is refused before it is read, and --max-file-size moves the cap', async () => {
    const repo = tempRepo();
    const big = join(repo.root, 'environments/big.yaml');
    writeFileSync(big, '');
    truncateSync(big, 50 * 2 ** 20);
    const r = await inProcess('validate', '--root', repo.root, ...models(repo.root), big);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      `${big}:1:1  error  ${big} is 50.0 MiB, over the 1.0 MiB limit for environment, tier and keyring files  [file-too-large]\n` +
        '  fix: Check that this is the right file (environments are a few KiB); if it really is, raise the cap with --max-file-size.\n\n✖ 1 error, 0 warnings: 1 of 1 environment invalid\n',
    );
    const small = await inProcess('validate', '--root', repo.root, ...models(repo.root), '--max-file-size', '256', join(repo.root, 'environments/dev.yaml'));
    expect(small.out).toContain('dev.yaml is 482 B, over the 256 B limit');
    expect((await inProcess('validate', '--max-file-size', '1MB')).err).toBe('smartbot validate: invalid --max-file-size "1MB" (use bytes or a size like 512Ki, 4Mi)\nRun `smartbot validate --help` for usage.\n');
  });

  it('a 900 KB line prints at most 200 columns of it', async () => {
    const repo = tempRepo();
    const file = repo.write('environments/wide.yaml', `${readFileSync(join(repo.root, 'environments/dev.yaml'), 'utf8')}replicas: [${'7, '.repeat(300_000)}\n`);
    const r = await inProcess('validate', '--root', repo.root, ...models(repo.root), file);
    expect(r.code).toBe(1);
    expect(r.out.length).toBeLessThan(2_000);
    expect(Math.max(...r.out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(210);
  });

  it('40,000 keys in one map are refused at the limit in well under a second; 200,000 too', async () => {
    const repo = tempRepo();
    const keys = (n: number) => `tier: base\nlabels:\n${Array.from({ length: n }, (_, i) => `  k${i}: ${i}`).join('\n')}\n`;
    const file = repo.write('environments/flood.yaml', keys(40_000));
    let started = performance.now();
    const r = await inProcess('validate', '--root', repo.root, ...models(repo.root), file);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(r.out.split('\n')[0]).toBe(`${file}:5001:8  error  the file holds more than 5000 keys and list items  [yaml-too-many-entries]`);
    repo.write('environments/flood.yaml', keys(200_000));
    started = performance.now();
    const big = await inProcess('validate', '--root', repo.root, ...models(repo.root), '--max-file-size', '8Mi', file);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(big.code).toBe(1);
    expect(big.out.split('\n')[0]).toBe(`${file}:5001:8  error  the file holds more than 5000 keys and list items  [yaml-too-many-entries]`);
  });

  it('4,000 unknown keys print 50 diagnostics and a count, not megabytes', async () => {
    const repo = tempRepo();
    const file = repo.write('environments/typos.yaml', `${readFileSync(join(repo.root, 'environments/dev.yaml'), 'utf8')}${Array.from({ length: 4000 }, (_, i) => `unknown${i}: 1`).join('\n')}\n`);
    const r = await inProcess('validate', '--root', repo.root, ...models(repo.root), file);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter((l) => l.startsWith(file))).toHaveLength(50);
    expect(r.out).toContain(`… 3951 more diagnostics in ${file} not shown (at most 50 per file and 500 per run)\n`);
    expect(r.out).toMatch(/✖ 4000 errors, 1 warning: 1 of 1 environment invalid\n$/);
    expect(r.out.length).toBeLessThan(20_000);
  });

  it('escape sequences and carriage returns in a key cannot clear the screen or forge "✔ valid"', async () => {
    const repo = tempRepo();
    const file = repo.write('environments/forge.yaml', `${readFileSync(join(repo.root, 'environments/dev.yaml'), 'utf8')}"\x1b[2J\x1b[H\r✔ 3 environments valid\x1b[8m": 1\n`);
    const r = await inProcess('validate', '--root', repo.root, ...models(repo.root), file);
    expect(r.code).toBe(1);
    expect(r.out).not.toMatch(/[\x1b\r]/);
    expect(r.out.split('\n').filter((l) => l.startsWith('✔'))).toEqual([]);
    expect(r.out).toContain('unknown key `\\x1b[2J\\x1b[H\\r✔ 3 environments valid\\x1b[8m` in (top level)');
  });

  it('__proto__ appended to dev.yaml is refused, not "✔ valid"', async () => {
    const repo = tempRepo();
    appendFileSync(join(repo.root, 'environments/dev.yaml'), '__proto__: {replicas: "two"}\n');
    const r = await inProcess('validate', '--root', repo.root, ...models(repo.root));
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe(`${repo.root}/environments/dev.yaml:20:1  error  \`__proto__\` is not allowed as a key  [yaml-reserved-key]`);
  });

  it('10,000-deep nesting is a located limit, not "Maximum call stack size exceeded"', async () => {
    const repo = tempRepo();
    const file = repo.write('environments/deep.yaml', `tier: base\ndescription: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
    const r = await inProcess('validate', '--root', repo.root, ...models(repo.root), file);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe(`${file}:2:77  error  maps and lists nest more than 64 levels deep here  [yaml-too-deep]`);
    expect(r.out).not.toContain('call stack');
  });
});

describe('smartbot docs', () => {
  it('the committed reference and rules pages are current', async () => {
    const r = await inProcess('docs', '--check', '--root', repoRoot);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});
