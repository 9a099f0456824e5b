// smartbot keys: a new key is shown once and stored as a hash, every change is an audit entry
// the keyring is replayed from, and bad usage is refused before anything is written.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateSigningKeys } from '../contract/jwt.js';
import { hashKey, parseKeyring } from '../contract/keyring-file.js';
import { runCli } from '../test/helpers/cli.js';
import { scratchKeysRepo } from '../test/helpers/keys.js';
import { entryLine, seal, WORKFLOW_ACTOR, type AuditEntry } from '../contract/audit-log.js';

const who = ['--actor', 'alice@example.com', '--ref', 'PR #7'];
const keys = (root: string, ...args: string[]) => runCli('keys', ...args, '--root', root);
const auditLines = (root: string) => readFileSync(join(root, 'audit/key-rotations.jsonl'), 'utf8').trimEnd().split('\n');
const keyring = (root: string, env = 'dev') => parseKeyring(readFileSync(join(root, `keyrings/${env}.json`), 'utf8')).keys;
const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('smartbot keys create|rotate|revoke', () => {
  it('create prints the key once, stores only its hash, and records who, why and where', async () => {
    const root = scratchKeysRepo();
    const r = await keys(root, 'create', '--env', 'dev', '--id', 'ci', '--reason', 'CI smoke tests', ...who);
    expect(r.code).toBe(0);
    const key = r.out.trim();
    expect(key).toMatch(/^sb_ci_[\w-]{32}$/);
    expect(r.err).toBe(
      'created ci.1 (chat) in keyrings/dev.json, audit seq 1; the key ci.1 above is shown once: store it in your secret manager. Next: npx smartbot render, then commit keyrings/dev.json, audit/key-rotations.jsonl and rendered/.\n',
    );
    const [entry] = keyring(root);
    expect(entry).toMatchObject({ id: 'ci.1', name: 'ci', status: 'active', scopes: ['chat'], sha256: hashKey(key).toString('hex') });
    expect(entry!.notBefore).toBe(entry!.created);
    const logged = JSON.parse(auditLines(root)[0]!) as AuditEntry;
    expect(logged).toMatchObject({ seq: 1, env: 'dev', action: 'create', kind: 'api-key', keyId: 'ci.1', keyFingerprint: entry!.sha256.slice(0, 12), actor: 'alice@example.com', reason: 'CI smoke tests', ref: 'PR #7', prevHash: '0'.repeat(64) });
    for (const f of ['keyrings/dev.json', 'audit/key-rotations.jsonl']) expect(readFileSync(join(root, f), 'utf8')).not.toContain(key);
    expect((await keys(root, 'verify')).code).toBe(0);
  });

  it('--out writes the key to a new file of mode 600, never over an existing one', async () => {
    const root = scratchKeysRepo();
    const out = join(root, 'ops.key');
    const r = await keys(root, 'create', '--env', 'prod', '--id', 'ops', '--scope', 'admin', '--reason', 'dashboard', '--out', out, ...who);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toContain('the key ops.1 written to');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(keyring(root, 'prod')[0]!.sha256).toBe(hashKey(readFileSync(out, 'utf8').trim()).toString('hex'));
    const again = await keys(root, 'rotate', '--env', 'prod', '--id', 'ops', '--reason', 'again', '--out', out, ...who);
    expect(again.code).toBe(2);
    expect(again.err).toBe(`smartbot keys: ${out} exists: --out never overwrites a key file\n`);
    // Nothing was recorded: a rotation whose key could not be handed over would lock its owner out.
    expect(auditLines(root)).toHaveLength(1);
    expect(keyring(root, 'prod').map((k) => `${k.id} ${k.status}`)).toEqual(['ops.1 active']);
  });

  it('rotate adds the next generation and retires the old key until now + overlap; revoke by name revokes every live key', async () => {
    const root = scratchKeysRepo();
    await keys(root, 'create', '--env', 'dev', '--id', 'ci', '--reason', 'CI', ...who);
    const before = Date.now();
    const r = await keys(root, 'rotate', '--env', 'dev', '--id', 'ci', '--overlap', '2h', '--reason', 'quarterly', ...who);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^rotated ci\.1 \(retiring until 20\S+Z\) → ci\.2 \(chat\) in keyrings\/dev\.json, audit seq 2;/);
    const [old, fresh] = keyring(root);
    expect(old).toMatchObject({ id: 'ci.1', status: 'retiring' });
    expect(Date.parse(old!.expires!) - before).toBeGreaterThanOrEqual(2 * 3600_000);
    expect(Date.parse(old!.expires!) - Date.now()).toBeLessThanOrEqual(2 * 3600_000);
    expect(fresh).toMatchObject({ id: 'ci.2', name: 'ci', status: 'active', scopes: ['chat'] });
    expect(JSON.parse(auditLines(root)[1]!)).toMatchObject({ seq: 2, action: 'rotate', keyId: 'ci.2', retires: { keyId: 'ci.1', until: old!.expires } });

    expect((await keys(root, 'revoke', '--env', 'dev', '--id', 'ci', '--reason', 'leaked', ...who)).err).toBe(
      'revoked ci.1 (audit seq 3), ci.2 (audit seq 4) in dev: refused from the moment the service reloads. Next: npx smartbot render, then commit keyrings/dev.json, audit/key-rotations.jsonl and rendered/.\n',
    );
    expect(keyring(root).map((k) => k.status)).toEqual(['revoked', 'revoked']);
    // A revoked name starts again at the next generation.
    await keys(root, 'create', '--env', 'dev', '--id', 'ci', '--reason', 'new CI', ...who);
    expect(keyring(root).map((k) => `${k.id} ${k.status}`)).toEqual(['ci.1 revoked', 'ci.2 revoked', 'ci.3 active']);
    expect((await keys(root, 'verify')).code).toBe(0);
  });

  it.each([
    [['create', '--env', 'dev', '--id', 'ci'], '--reason is required (e.g. --reason "CI smoke tests")'],
    [['create', '--env', 'dev', '--id', 'CI!', '--reason', 'x'], '--id must be a short name: lowercase letters, digits, - and _ (the generation is added: ci → ci.1)'],
    [['create', '--id', 'ci', '--reason', 'x'], '--env is required (e.g. --env dev)'],
    [['create', '--env', 'nope', '--id', 'ci', '--reason', 'x'], 'no environment "nope": ROOT/environments/nope.yaml does not exist'],
    [['create', '--env', 'dev', '--id', 'ci', '--scope', 'root', '--reason', 'x'], '--scope must be chat or admin, got "root"'],
    [['create', '--env', 'dev', '--id', 'ci', '--reason', 'oops sb_ci_0123456789abcdefghijklmnopqrstuv'], '--reason looks like it holds a plaintext API key: the audit log is permanent, say why without the key'],
    [['rotate', '--env', 'dev', '--id', 'ci', '--reason', 'x'], 'dev has no active key for "ci" to rotate: create one'],
    [['rotate', '--env', 'dev', '--id', 'ci', '--overlap', '3 days', '--reason', 'x'], '--overlap must be a duration like 30m, 24h or 7d (at most 90d), got "3 days"'],
    [['revoke', '--env', 'dev', '--id', 'ci.9', '--reason', 'x'], 'dev has no live key "ci.9"'],
    [['rotate', '--due', '--id', 'ci'], '--due goes with `rotate` alone (no --id, no --jwt)'],
    [['add', '--file', 'keyrings/dev.json', '--id', 'ci'], 'unknown option --file'],
    [['add', '--id', 'ci'], '`keys add` is now `keys create --env ENV --id NAME --reason TEXT`'],
  ])('refuses %j with exit 2 and writes nothing', async (args, message) => {
    const root = scratchKeysRepo();
    const r = await keys(root, ...args);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`smartbot keys: ${message.replace('ROOT', root)}\nRun \`smartbot keys --help\` for usage.\n`);
    expect(existsSync(join(root, 'audit/key-rotations.jsonl'))).toBe(false);
  });

  it('refuses to record anything on top of a history that does not verify', async () => {
    const root = scratchKeysRepo();
    await keys(root, 'create', '--env', 'dev', '--id', 'ci', '--reason', 'CI', ...who);
    const file = join(root, 'keyrings/dev.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"scopes":["chat"]', '"scopes":["admin"]'));
    const r = await keys(root, 'create', '--env', 'dev', '--id', 'ops', '--reason', 'x', ...who);
    expect(r.code).toBe(1);
    expect(r.err.split('\n').slice(0, 3)).toEqual([
      'smartbot keys: the key history does not verify, so nothing was changed — run `npx smartbot keys verify`:',
      '',
      `${root}/keyrings/dev.json:2:1  error  ${root}/keyrings/dev.json differs from the audit replay for dev: committed key ci.1 "scopes": ["admin"], replay "scopes": ["chat"] — an out-of-band edit  [keyring-drift]`,
    ]);
    expect(auditLines(root)).toHaveLength(1);
  });
});

describe('smartbot keys rotate --due', () => {
  it('rotates every active key within 14 days of its environment\'s maximum age, signing as the scheduled rotation', async () => {
    const root = scratchKeysRepo();
    const t0 = Date.parse('2026-01-05T10:00:00.000Z');
    vi.useFakeTimers({ toFake: ['Date'], now: t0 });
    await keys(root, 'create', '--env', 'prod', '--id', 'ci', '--reason', 'CI', ...who);
    await keys(root, 'create', '--env', 'dev', '--id', 'ci', '--reason', 'CI', ...who); // dev: no maximum age
    vi.setSystemTime(t0 + 70 * DAY);
    await keys(root, 'create', '--env', 'prod', '--id', 'ops', '--reason', 'ops', ...who);
    const signing = generateSigningKeys();
    writeFileSync(join(root, 'workflow.pem'), signing.privateKeyPem);
    writeFileSync(join(root, 'workflow.pub.pem'), signing.publicKeyPem);
    const adopted = await keys(root, 'workflow-key', '--public-key', join(root, 'workflow.pub.pem'));
    expect([adopted.code, adopted.err]).toEqual([0, `wrote ${join(root, 'audit/workflow-key.pub')}: every audit entry from seq 4 on must be signed with its private half. Commit it; from now on key changes are recorded by the workflow that holds SMARTBOT_AUDIT_SIGNING_KEY.\n`]);

    vi.setSystemTime(t0 + 75 * DAY); // 15 days before prod's 90: nothing due yet
    const early = await keys(root, 'rotate', '--due', '--out', join(root, 'new-keys'), '--sign-key', join(root, 'workflow.pem'), '--ref', 'schedule');
    expect([early.code, early.out, early.err]).toEqual([0, '', 'no key is due for rotation\n']);

    vi.setSystemTime(t0 + 77 * DAY);
    const due = await keys(root, 'rotate', '--due', '--out', join(root, 'new-keys'), '--sign-key', join(root, 'workflow.pem'), '--ref', 'schedule');
    expect(due.code).toBe(0);
    expect(due.out).toBe(`prod: rotated ci.1 → ci.2 (audit seq 4); key in ${join(root, 'new-keys', 'prod-ci.2.key')}\n`);
    expect(statSync(join(root, 'new-keys', 'prod-ci.2.key')).mode & 0o777).toBe(0o600);
    const entry = JSON.parse(auditLines(root)[3]!) as AuditEntry;
    expect(entry).toMatchObject({ action: 'rotate', actor: WORKFLOW_ACTOR, reason: 'scheduled: 77 days old, maximum 90', ref: 'schedule', retires: { keyId: 'ci.1', until: new Date(t0 + 78 * DAY).toISOString() } });
    expect(entry.sig).toMatch(/^[0-9a-f]{128}$/);
    expect(keyring(root, 'prod').map((k) => `${k.id} ${k.status}`)).toEqual(['ci.1 retiring', 'ops.1 active', 'ci.2 active']);
    expect((await keys(root, 'verify')).out).toBe(`✔ ${join(root, 'audit/key-rotations.jsonl')}: 4 entries, chain intact (1 signed); keys match the replay: dev, multi, prod, staging\n`);
  });
});

describe('the workflow key, end to end', () => {
  it('set up with a key made here: every change after it is signed with it; without it, or with another key, nothing is recorded', async () => {
    const root = scratchKeysRepo();
    try {
      await keys(root, 'create', '--env', 'dev', '--id', 'ci', '--reason', 'CI', ...who);
      // The one-time set-up (docs/keys.md): a key pair, its private half to the workflow's secret, the public half committed.
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(join(root, 'workflow-key.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
      const secret = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      expect((await keys(root, 'workflow-key', '--public-key', join(root, 'workflow-key.pub.pem'))).code).toBe(0);
      expect(readFileSync(join(root, 'audit/workflow-key.pub'), 'utf8')).toMatch(/^# The smartbot audit workflow key: .*\n# .*\nsigned-from-seq: 2\n-----BEGIN PUBLIC KEY-----\n/);

      const unsigned = await keys(root, 'create', '--env', 'dev', '--id', 'ops', '--reason', 'ops', ...who);
      expect([unsigned.code, unsigned.out]).toEqual([2, '']);
      expect(unsigned.err).toContain('audit/workflow-key.pub is committed: every entry from seq 2 on is signed — record this change where the workflow key\'s private half is');
      const other = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      process.env.SMARTBOT_AUDIT_SIGNING_KEY = other;
      expect((await keys(root, 'create', '--env', 'dev', '--id', 'ops', '--reason', 'ops', ...who)).err).toBe(
        'smartbot keys: the signing key is not the private half of audit/workflow-key.pub: nothing was recorded\n',
      );
      expect(auditLines(root)).toHaveLength(1);

      // As the workflow runs it: the secret in SMARTBOT_AUDIT_SIGNING_KEY.
      process.env.SMARTBOT_AUDIT_SIGNING_KEY = secret;
      expect((await keys(root, 'create', '--env', 'dev', '--id', 'ops', '--reason', 'ops', ...who)).code).toBe(0);
      expect((await keys(root, 'rotate', '--env', 'dev', '--id', 'ci', '--reason', 'quarterly', ...who)).code).toBe(0);
      delete process.env.SMARTBOT_AUDIT_SIGNING_KEY;
      expect(auditLines(root).map((l) => (JSON.parse(l) as AuditEntry).sig !== undefined)).toEqual([false, true, true]);
      expect((await keys(root, 'verify')).out).toBe(`✔ ${join(root, 'audit/key-rotations.jsonl')}: 3 entries, chain intact (2 signed); keys match the replay: dev, multi, prod, staging\n`);
    } finally {
      delete process.env.SMARTBOT_AUDIT_SIGNING_KEY;
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('smartbot keys for JWT signing keys', () => {
  it('create and rotate edit the environment\'s key list; token signs only with the active key', async () => {
    const root = scratchKeysRepo();
    const first = join(root, 'jwt-1.pem');
    expect((await keys(root, 'create', '--jwt', '--env', 'staging', '--reason', 'first key', '--out', first, ...who)).code).toBe(0);
    const second = join(root, 'jwt-2.pem');
    const r = await keys(root, 'rotate', '--jwt', '--env', 'staging', '--overlap', '1h', '--reason', 'rotation', '--out', second, ...who);
    expect(r.code).toBe(0);
    const yaml = readFileSync(join(root, 'environments/staging.yaml'), 'utf8');
    expect(yaml).toMatch(/ {2}jwt:\n {4}keys:\n {6}- kid: \S+\n {8}publicKey: \|\n {10}-----BEGIN PUBLIC KEY-----\n.*\n {10}-----END PUBLIC KEY-----\n {8}status: retiring\n {8}retiresAt: 20\S+Z\n {6}- kid: \S+\n/);
    expect(statSync(second).mode & 0o777).toBe(0o600);
    expect((await keys(root, 'verify')).code).toBe(0);
    expect((await runCli('validate', '--root', root, join(root, 'environments/staging.yaml'))).code).toBe(0);
    expect((await keys(root, 'list', '--env', 'staging')).out).toMatch(/^\(no API keys\)\n\nJWT signing keys:\nkid {42}status {4}retires\n\S{43} {2}retiring {2}20\S+ \S+\n\S{43} {2}active {4}—\n$/);
  });
});

describe('smartbot keys log and list', () => {
  it('log does not hide what it cannot show: lines that are not entries and entries off their hash are counted on stderr, exit 1', async () => {
    const root = scratchKeysRepo();
    await keys(root, 'create', '--env', 'dev', '--id', 'ci', '--reason', 'CI smoke tests', ...who);
    await keys(root, 'create', '--env', 'dev', '--id', 'ops', '--reason', 'on-call', ...who);
    const file = join(root, 'audit/key-rotations.jsonl');
    const lines = auditLines(root);
    const n = lines.length;
    lines[n - 1] = lines[n - 1]!.replace('"keyId":"ops.1"', '"keyId":"ops.9"');
    writeFileSync(file, `${lines.join('\n')}\n{"junk":1}\n`);
    const r = await keys(root, 'log');
    expect(r.out.split('\n').filter((l) => / dev {2}create /.test(l))).toHaveLength(n);
    expect(r.err).toBe(`⚠ audit/key-rotations.jsonl: 1 line is not an entry and not shown (first: line ${n + 1}, audit-malformed); 1 entry does not match its hash (first: line ${n}). The history does not verify: run \`smartbot keys verify\` for every problem, at its line.\n`);
    expect(r.code).toBe(1);
    expect((await keys(root, 'log', '--json')).code).toBe(1);
  });

  it('log shows what a line wrote escaped: an escape sequence, a bell or a carriage return in a keyId, actor or reason never reaches the terminal', async () => {
    const root = scratchKeysRepo();
    try {
      const hostile = seal({ ts: '2026-12-01T10:00:00.000Z', env: 'dev', action: 'revoke', kind: 'api-key', keyId: 'ci.1\u001b]0;pwned\u0007', keyFingerprint: 'a'.repeat(12), actor: 'eve\r✔ verified', reason: 'clear \u001b[2J\u202e', ref: 'PR #1' }, undefined);
      mkdirSync(join(root, 'audit'));
      writeFileSync(join(root, 'audit/key-rotations.jsonl'), `${entryLine(hostile)}\n`);
      const out = (await keys(root, 'log')).out;
      expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
      expect(out.split('\n')[1]).toContain('ci.1\\x1b]0;pwned\\x07  aaaaaaaaaaaa  eve\\r✔ verified  PR #1  clear \\x1b[2J\\u{202e}');
      expect((await keys(root, 'log', '--json')).out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('log prints the history as aligned columns, and --json as entries; list shows each key\'s state now', async () => {
    const root = scratchKeysRepo();
    await keys(root, 'create', '--env', 'dev', '--id', 'ci', '--reason', 'CI smoke tests', ...who);
    await keys(root, 'rotate', '--env', 'dev', '--id', 'ci', '--overlap', '0', '--reason', 'quarterly', ...who);
    const log = (await keys(root, 'log')).out.split('\n');
    expect(log[0]).toBe('seq  time (UTC)        env  action  kind     key   fingerprint   actor              ref    reason');
    expect(log[1]).toMatch(/^1 {4}20\d\d-\d\d-\d\d \d\d:\d\d {2}dev {2}create {2}api-key {2}ci\.1 {2}[0-9a-f]{12} {2}alice@example\.com {2}PR #7 {2}CI smoke tests$/);
    expect(log[2]).toMatch(/^2 {4}.* {2}rotate {2}api-key {2}ci\.2 {2}[0-9a-f]{12} {2}alice@example\.com {2}PR #7 {2}quarterly \(ci\.1 retiring until 20\S+ \d\d:\d\d\)$/);
    const json = JSON.parse((await keys(root, 'log', '--json', '--env', 'dev')).out) as AuditEntry[];
    expect(json.map((e) => [e.seq, e.action, e.keyId])).toEqual([[1, 'create', 'ci.1'], [2, 'rotate', 'ci.2']]);
    expect((await keys(root, 'log', '--env', 'prod')).out).toBe('(no entries)\n');
    const list = (await keys(root, 'list', '--env', 'dev')).out.split('\n');
    expect(list[0]).toBe('id    status             scopes  created           expires           sha256');
    expect(list[1]).toMatch(/^ci\.1 {2}retiring, expired {2}chat {4}\S+ \S+ {2}\S+ \S+ {2}[0-9a-f]{12}…$/);
    expect(list[2]).toMatch(/^ci\.2 {2}active {13}chat {4}\S+ \S+ {2}— {17}[0-9a-f]{12}…$/);
  });
});
