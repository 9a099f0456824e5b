// The tamper corpus: a real history made by `smartbot keys`, then each way of tampering with it.
// `keys verify` must exit 1 and report exactly these diagnostics, each on the line touched.
// Cases that forge content recompute the hash the way a forger would (the chain must still
// tell). Together the cases trigger every rule `keys verify` has (checked below).
import { execFileSync } from 'node:child_process';
import { createHash, sign } from 'node:crypto';
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeys } from '../contract/jwt.js';
import { hashedText, entryLine, loadSigningKey, WORKFLOW_ACTOR, type AuditEntry } from '../contract/audit-log.js';
import { RULES } from '../validation/rules.js';
import { runCli } from './helpers/cli.js';
import { repoRoot } from './helpers/env.js';
import { scratchKeysRepo } from './helpers/keys.js';
import { tempDir } from './helpers/temp.js';

const LOG = 'audit/key-rotations.jsonl';
const who = ['--actor', 'alice@example.com', '--ref', 'PR #12'];
let base: string;

/**
 * The history: 1 create dev ci, 2 create dev ops (admin), 3 rotate dev ci, 4 create prod ci;
 * then the workflow key is committed (every entry from seq 5 on signed): 5 rotate prod ci by
 * the scheduled rotation, 6 revoke dev ops, 7 create a staging JWT key, both by alice through
 * the signing workflow.
 */
beforeAll(async () => {
  base = scratchKeysRepo();
  const k = (...args: string[]) => runCli('keys', ...args, '--root', base);
  const signing = generateSigningKeys();
  writeFileSync(join(base, 'workflow.pem'), signing.privateKeyPem);
  writeFileSync(join(base, 'workflow.pub.pem'), signing.publicKeyPem);
  const sign = ['--sign-key', join(base, 'workflow.pem')];
  await k('create', '--env', 'dev', '--id', 'ci', '--reason', 'CI smoke tests', ...who);
  await k('create', '--env', 'dev', '--id', 'ops', '--scope', 'admin', '--reason', 'on-call dashboard', ...who);
  await k('rotate', '--env', 'dev', '--id', 'ci', '--reason', 'quarterly', ...who);
  await k('create', '--env', 'prod', '--id', 'ci', '--reason', 'prod CI', ...who);
  expect((await k('workflow-key', '--public-key', join(base, 'workflow.pub.pem'))).code).toBe(0);
  const scheduled = await k('rotate', '--env', 'prod', '--id', 'ci', '--reason', 'scheduled', ...sign, '--ref', 'schedule');
  expect(scheduled.code).toBe(0);
  await k('revoke', '--env', 'dev', '--id', 'ops', '--reason', 'left the team', ...sign, ...who);
  await k('create', '--jwt', '--env', 'staging', '--reason', 'first signing key', '--out', join(base, 'jwt.pem'), ...sign, ...who);
  const ok = await k('verify');
  expect(ok.out).toMatch(/^✔ \S+: 7 entries, chain intact \(3 signed\); keys match the replay: dev, multi, prod, staging\n$/);
}, 30_000);

afterAll(() => rmSync(base, { recursive: true, force: true }));

const git = (root: string, ...args: string[]) => execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { encoding: 'utf8' });
/** The copy as one commit on main: what the base branch (or main, for a checkpoint) holds. */
const commitAll = (root: string) => {
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'base');
};

type Files = { read: (f: string) => string; write: ((f: string, text: string) => void) & { root: string }; lines: () => string[]; setLines: (ls: string[]) => void };

/** A copy of the history with `tamper` applied to its files. */
async function tampered(tamper: (files: Files) => void | Promise<void>): Promise<string> {
  const root = tempDir('smartbot-tamper-');
  cpSync(base, root, { recursive: true });
  const read = (f: string) => readFileSync(join(root, f), 'utf8');
  const write = Object.assign((f: string, text: string) => writeFileSync(join(root, f), text), { root });
  await tamper({ read, write, lines: () => read(LOG).trimEnd().split('\n'), setLines: (ls) => write(LOG, `${ls.join('\n')}\n`) });
  return root;
}

/** What a forger does: change an entry and recompute its hash (and keep or drop the signature). */
function forge(line: string, change: (e: AuditEntry) => void, keepSig = false): string {
  const e = JSON.parse(line) as AuditEntry;
  change(e);
  e.hash = createHash('sha256').update(hashedText(e)).digest('hex');
  if (!keepSig) delete e.sig;
  return entryLine(e);
}

/** `keys verify` on the copy: exit code and the diagnostic header lines, paths relative to the copy. */
async function verify(root: string, args: string[] = []) {
  const r = await runCli('keys', 'verify', '--root', root, ...args);
  rmSync(root, { recursive: true, force: true });
  return { code: r.code, problems: r.out.split('\n').filter((l) => /^\S+:\d+:\d+ {2}error/.test(l)).map((l) => l.replaceAll(`${root}/`, '').replace(/ {2}/g, ' ')), text: r.out };
}

/** A line with `text` inserted just before its closing brace (after "hash", or "sig" when signed). */
const beforeClose = (line: string, text: string) => `${line.slice(0, -1)}${text}}`;
const ATTACKER = 'a77ac4e5'.repeat(8);

const CASES: [string, (files: Files) => void | Promise<void>, string[], string[]?][] = [
  [
    'one byte edited',
    ({ lines, setLines }) => setLines(lines().map((l, i) => (i === 1 ? l.replace('on-call dashboard', 'on-call dashbaord') : l))),
    [`${LOG}:2:1 error entry seq 2 does not match its hash: it was edited after it was written [audit-hash-mismatch]`],
  ],
  [
    'two lines swapped',
    ({ lines, setLines }) => {
      const ls = lines();
      [ls[2], ls[3]] = [ls[3]!, ls[2]!];
      setLines(ls);
    },
    [`${LOG}:4:1 error entry seq 3 comes after seq 4 (line 3): entries were reordered [audit-seq-order]`],
  ],
  ['a line deleted', ({ lines, setLines }) => setLines(lines().filter((_, i) => i !== 2)), [`${LOG}:3:1 error entry seq 4 follows seq 2: seq 3 is missing (deleted?) [audit-seq-missing]`]],
  ['a truncated file', ({ read, write }) => write(LOG, read(LOG).slice(0, -200)), [`${LOG}:7:1 error not an audit entry: the line is not complete JSON (truncated?) [audit-malformed]`]],
  ['a duplicated seq', ({ lines, setLines }) => setLines(lines().flatMap((l, i) => (i === 1 ? [l, l] : [l]))), [`${LOG}:3:1 error seq 2 is used again (first at line 2) [audit-seq-duplicate]`]],
  [
    'a wrong prevHash (hash recomputed)',
    ({ lines, setLines }) => setLines(lines().map((l, i) => (i === 2 ? forge(l, (e) => (e.prevHash = 'f'.repeat(64))) : l))),
    [`${LOG}:3:1 error entry seq 3: prevHash is not the hash of the entry before it (line 2) [audit-prev-hash]`, `${LOG}:4:1 error entry seq 4: prevHash is not the hash of the entry before it (line 3) [audit-prev-hash]`],
  ],
  [
    'a forged signature',
    ({ lines, setLines }) => setLines(lines().map((l, i) => (i === 4 ? l.replace(/"sig":"(.)/, (_, c: string) => `"sig":"${c === '0' ? '1' : '0'}`) : l))),
    [`${LOG}:5:1 error entry seq 5: the signature does not verify with the workflow key audit/workflow-key.pub (forged?) [audit-signature]`],
  ],
  [
    'a keyring edited by hand',
    ({ read, write }) => write('keyrings/dev.json', read('keyrings/dev.json').replace('"id":"ops.1","name":"ops","status":"revoked"', '"id":"ops.1","name":"ops","status":"active"')),
    ['keyrings/dev.json:3:1 error keyrings/dev.json differs from the audit replay for dev: committed key ops.1 "status": "active", replay "status": "revoked" — an out-of-band edit [keyring-drift]'],
  ],
  [
    'a plaintext key committed',
    ({ read, write }) => write('keyrings/prod.json', read('keyrings/prod.json').replace('"scopes":["chat"]', '"scopes":["chat"],"key":"sb_ci_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0"')),
    [
      // The drift names the field without quoting the key.
      'keyrings/prod.json:2:1 error keyrings/prod.json differs from the audit replay for prod: committed key ci.1 "key": "sb_…", replay "key": (absent) — an out-of-band edit [keyring-drift]',
      'keyrings/prod.json:2:1 error keyrings/prod.json:2 holds a plaintext API key (sb_…): plaintext keys are never committed [keyring-plaintext]',
    ],
  ],
  [
    'a plaintext key in the audit log, hash recomputed',
    ({ lines, setLines }) => setLines(lines().map((l, i) => (i === 0 ? forge(l, (e) => (e.reason = 'key is sb_ci_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0')) : l))),
    [`${LOG}:1:1 error ${LOG}:1 holds a plaintext API key (sb_…): plaintext keys are never committed [keyring-plaintext]`, `${LOG}:2:1 error entry seq 2: prevHash is not the hash of the entry before it (line 1) [audit-prev-hash]`],
  ],
  [
    'two branches that each appended an entry (a chain fork)',
    async ({ read, write }) => {
      // Branch A rotates dev ci; branch B (from the same commit) creates a staging key; the merge keeps both lines.
      const a = await tampered(() => {});
      const b = await tampered(() => {});
      await runCli('keys', 'rotate', '--env', 'dev', '--id', 'ci', '--reason', 'branch A', '--root', a, '--sign-key', join(a, 'workflow.pem'), ...who);
      await runCli('keys', 'create', '--env', 'staging', '--id', 'web', '--reason', 'branch B', '--root', b, '--sign-key', join(b, 'workflow.pem'), ...who);
      const last = (root: string) => readFileSync(join(root, LOG), 'utf8').trimEnd().split('\n').pop()!;
      write(LOG, `${read(LOG)}${last(a)}\n${last(b)}\n`);
    },
    [`${LOG}:9:1 error chain fork: this entry and line 8 are both seq 8 after the same entry — two branches each appended to the audit log [audit-fork]`],
  ],
  [
    'the workflow named as actor without its signature',
    ({ lines, setLines }) => setLines(lines().map((l, i) => (i === 1 ? forge(l, (e) => (e.actor = WORKFLOW_ACTOR)) : l))),
    [`${LOG}:2:1 error entry seq 2 names the scheduled rotation as its actor but is not signed [audit-signature]`, `${LOG}:3:1 error entry seq 3: prevHash is not the hash of the entry before it (line 2) [audit-prev-hash]`],
  ],
  [
    'signed entries with no workflow key to check them',
    ({ write }) => rmSync(join(write.root, 'audit/workflow-key.pub')),
    [5, 6, 7].map((n) => `${LOG}:${n}:1 error entry seq ${n} is signed, but there is no workflow key audit/workflow-key.pub to check it [audit-signature]`),
  ],
  [
    'the workflow key file replaced by something else',
    ({ write }) => write('audit/workflow-key.pub', '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n'),
    [
      ...[5, 6, 7].map((n) => `${LOG}:${n}:1 error entry seq ${n} is signed, but there is no workflow key audit/workflow-key.pub to check it [audit-signature]`),
      'audit/workflow-key.pub:1:1 error audit/workflow-key.pub is not a workflow key: it has no "signed-from-seq: N" line (write it with `smartbot keys workflow-key --public-key FILE`) [audit-workflow-key]',
    ],
  ],
  [
    'an entry after the workflow key without its signature',
    ({ lines, setLines }) => setLines(lines().map((l, i) => (i === 5 ? l.replace(/,"sig":"[0-9a-f]+"/, '') : l))),
    [`${LOG}:6:1 error entry seq 6 is not signed: audit/workflow-key.pub requires a signature on every entry from seq 5 on [audit-signature]`],
  ],
  [
    // The first hostile finding: JSON readers keep the last copy of a repeated field, so an admin
    // key appended to a past line replaced the real one without touching the hash; with the
    // keyring edited to match, the replay agreed. The line is not canonical: refused, named.
    "an admin key of the attacker's appended to a past line, keyring edited to match (the forged-admin case)",
    ({ lines, setLines, read, write }) => {
      const ls = lines();
      const real = (JSON.parse(ls[1]!) as AuditEntry).key as { sha256: string };
      // Fingerprint and key both, so that what a JSON reader keeps is a consistent entry.
      setLines(ls.map((l, i) => (i === 1 ? beforeClose(l, `,"keyFingerprint":"${ATTACKER.slice(0, 12)}","key":{"name":"ops","notBefore":"2026-01-01T00:00:00.000Z","scopes":["admin"],"sha256":"${ATTACKER}"}`) : l)));
      write('keyrings/dev.json', read('keyrings/dev.json').replace(real.sha256, ATTACKER));
    },
    [`${LOG}:2:1 error entry seq 2 is not in canonical form: the field "keyFingerprint" appears twice in one object (a JSON reader keeps only the last copy) [audit-not-canonical]`],
  ],
  [
    'a field moved after "hash"',
    ({ lines, setLines }) =>
      setLines(
        lines().map((l, i) => {
          if (i !== 0) return l;
          const reason = /,"reason":"[^"]*"/.exec(l)![0];
          return beforeClose(l.replace(reason, ''), reason);
        }),
      ),
    [`${LOG}:1:1 error entry seq 1 is not in canonical form: the field "reason" comes after "hash" (the hash does not cover it) [audit-not-canonical]`],
  ],
  [
    'a version 1 entry appended after version 2 ones (hash chained correctly)',
    ({ lines, setLines }) => {
      const ls = lines();
      const last = JSON.parse(ls[ls.length - 1]!) as AuditEntry;
      ls.push(forge(ls[0]!, (e) => Object.assign(e, { v: undefined, seq: last.seq + 1, prevHash: last.hash, action: 'revoke', keyId: 'ci.2', key: undefined })));
      setLines(ls);
    },
    [
      `${LOG}:8:1 error entry seq 8 is not in canonical form: a version 1 entry (no "v") after a version 2 one: entries are written in version 2 [audit-not-canonical]`,
      `${LOG}:8:1 error entry seq 8 is not signed: audit/workflow-key.pub requires a signature on every entry from seq 5 on [audit-signature]`,
    ],
  ],
  [
    'a line of 100,000 characters',
    ({ lines, setLines }) => setLines([...lines(), 'x'.repeat(100_000)]),
    [`${LOG}:8:1 error not an audit entry: the line is 100,000 characters long, over the 65,536 a line may hold [audit-malformed]`],
  ],
  [
    'the newest entry deleted on main, keys set back to match (--checkpoint)',
    async ({ write, read, lines, setLines }) => {
      commitAll(write.root);
      const c = await runCli('keys', 'checkpoint', '--root', write.root, '--sign-key', join(write.root, 'workflow.pem'));
      const [tag, , ...message] = c.out.split('\n');
      git(write.root, 'tag', '-a', tag!, '-m', message.join('\n'));
      setLines(lines().slice(0, -1));
      write('environments/staging.yaml', readFileSync(join(repoRoot, 'environments/staging.yaml'), 'utf8'));
      expect(read(LOG).split('\n')).toHaveLength(7);
    },
    [`${LOG}:6:1 error the history ends at seq 6, but smartbot-audit/7 recorded seq 7 on main: entry seq 7 was removed [audit-checkpoint]`],
    ['--checkpoint'],
  ],
  [
    'an impossible entry appended (hash chained correctly, signed by the workflow)',
    ({ lines, setLines, read }) => {
      const ls = lines();
      const last = JSON.parse(ls[ls.length - 1]!) as AuditEntry;
      const e = JSON.parse(forge(ls[0]!, (e) => Object.assign(e, { seq: last.seq + 1, prevHash: last.hash, action: 'revoke', keyId: 'ghost.1', key: undefined }))) as AuditEntry;
      e.sig = sign(null, Buffer.from(e.hash), loadSigningKey(read('workflow.pem'))).toString('hex');
      ls.push(entryLine(e));
      setLines(ls);
    },
    [`${LOG}:8:1 error entry seq 8 (dev) names key ghost.1, which does not exist [audit-replay]`],
  ],
  [
    'a line rewritten in another form (same content)',
    ({ lines, setLines }) => setLines(lines().map((l, i) => (i === 0 ? JSON.stringify(JSON.parse(l), null, 1).replace(/\n/g, '') : l))),
    [`${LOG}:1:1 error entry seq 1 is not in canonical form: it has whitespace outside strings [audit-not-canonical]`],
  ],
  [
    'the audit log replaced by a link (to a CI secret, say)',
    ({ write }) => {
      write('secret.txt', 'hunter2\n');
      rmSync(join(write.root, LOG));
      symlinkSync(join(write.root, 'secret.txt'), join(write.root, LOG));
    },
    [`${LOG}:1:1 error ${LOG} is a symbolic link; smartbot reads only regular files inside the repository [file-symlink]`],
  ],
  [
    'a JWT signing key edited in the environment',
    ({ read, write }) => write('environments/staging.yaml', read('environments/staging.yaml').replace('status: active', 'status: retiring\n        retiresAt: "2030-01-01T00:00:00.000Z"')),
    [expect.stringMatching(/^environments\/staging\.yaml:\d+:1 error environments\/staging\.yaml differs from the audit replay for staging: committed JWT key \S+ retiring until 2030-01-01T00:00:00\.000Z, replay JWT key \S+ active — an out-of-band edit \[keyring-drift\]$/) as unknown as string],
  ],
];

describe('keys verify: the tamper corpus', () => {
  it.each(CASES)('%s: exit 1, named on its line', async (_name, tamper, expected, args) => {
    const root = await tampered(tamper);
    const r = await verify(root, args);
    expect(r.problems).toEqual(expected.map((l) => (typeof l === 'string' ? l.replaceAll('ROOT/', '') : l)));
    expect(r.text).not.toContain('Zm9vYmFyYmF6cXV4');
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/✖ \d+ problems?: the key history does not verify\n$/);
  });

  it('a log of junk lines gives bounded output: the first 50 problems, a count of the rest', async () => {
    const root = await tampered(({ read, write }) => write(LOG, read(LOG) + `{"junk":"${'x'.repeat(80)}"}\n`.repeat(20_000)));
    const r = await verify(root);
    expect(r.code).toBe(1);
    expect(r.problems).toHaveLength(50);
    expect(r.text).toContain(`… 19950 more diagnostics in ${root}/${LOG} not shown (at most 50 per file and 500 per run)`);
    expect(r.text).toMatch(/✖ 20000 problems: the key history does not verify\n$/);
    expect(r.text.length).toBeLessThan(20_000);
  });

  it('the fork says how to fix it: rebase, then run the command again', async () => {
    const r = await verify(await tampered(CASES.find(([n]) => n.includes('fork'))![1]));
    expect(r.text).toContain('fix: Rebase onto the target branch keeping its audit log and keyrings (git checkout origin/main -- audit keyrings), then run your `smartbot keys rotate|create|revoke` again.');
  });

  it('covers every rule keys verify reports', () => {
    const triggered = new Set(CASES.flatMap(([, , lines]) => lines.map((l) => (typeof l === 'string' ? /\[([\w-]+)\]$/.exec(l)![1] : 'keyring-drift'))));
    // Proven below, where they need a repository of their own.
    for (const id of ['audit-rewritten', 'audit-workflow-key-missing']) triggered.add(id);
    const verifyRules = Object.keys(RULES).filter((id) => id.startsWith('audit-') || id === 'keyring-drift' || id === 'keyring-plaintext');
    expect(triggered.has('file-symlink')).toBe(true);
    expect(verifyRules.filter((id) => !triggered.has(id))).toEqual([]);
  });
});

/** A small unsigned history (no workflow key: the repository's own state today), committed as main. */
async function unsignedRepo(): Promise<string> {
  const root = scratchKeysRepo();
  const k = (...args: string[]) => runCli('keys', ...args, '--root', root);
  await k('create', '--env', 'dev', '--id', 'ci', '--reason', 'CI', ...who);
  await k('create', '--env', 'dev', '--id', 'ops', '--scope', 'admin', '--reason', 'dashboard', ...who);
  await k('create', '--env', 'staging', '--id', 'ci', '--reason', 'CI', ...who);
  commitAll(root);
  return root;
}

describe('keys verify --base: the history only grew', () => {
  it('a past line rewritten with every hash after it recomputed passes the chain alone, and fails against the base, named', async () => {
    const root = await unsignedRepo();
    try {
      const file = join(root, LOG);
      const entries = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEntry);
      let prev: AuditEntry | undefined;
      const forged = entries.map((e, i) => {
        const x = { ...e, ...(i === 1 ? { reason: 'dashboard (rewritten)' } : {}), prevHash: prev?.hash ?? '0'.repeat(64) };
        x.hash = createHash('sha256').update(hashedText(x)).digest('hex');
        return (prev = x);
      });
      writeFileSync(file, forged.map((e) => `${entryLine(e)}\n`).join(''));
      expect((await runCli('keys', 'verify', '--root', root)).code).toBe(0);
      const r = await runCli('keys', 'verify', '--root', root, '--base', 'main');
      expect(r.code).toBe(1);
      expect(r.out).toContain(`${file}:2:1  error  ${file} line 2 (seq 2) differs from the base's: an existing audit entry was changed (base main)  [audit-rewritten]`);
      expect(r.out).toContain('fix: The audit log is append-only: restore it from the base (git checkout main -- audit/), then record changes as new entries with `smartbot keys`.');
      // Appending is what --base allows.
      git(root, 'checkout', '-q', '--', 'audit');
      await runCli('keys', 'revoke', '--env', 'dev', '--id', 'ops', '--reason', 'left', '--root', root, ...who);
      expect((await runCli('keys', 'verify', '--root', root, '--base', 'main')).out).toMatch(/entries, chain intact \(0 signed\); only appended to since main; keys match the replay/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('entries removed from the end, or the workflow key removed, are refused against the base', async () => {
    const root = await unsignedRepo();
    try {
      const file = join(root, LOG);
      const pub = join(root, 'w.pub.pem');
      writeFileSync(pub, generateSigningKeys().publicKeyPem);
      await runCli('keys', 'workflow-key', '--public-key', pub, '--root', root);
      git(root, 'add', '-A');
      git(root, 'commit', '-q', '-m', 'workflow key');
      writeFileSync(file, readFileSync(file, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
      rmSync(join(root, 'audit/workflow-key.pub'));
      const r = await runCli('keys', 'verify', '--root', root, '--base', 'main');
      expect(r.code).toBe(1);
      expect(r.out.split('\n').filter((l) => /\[audit-rewritten\]$/.test(l))).toEqual([
        `${file}:2:1  error  ${file} has 2 lines where the base has 3: entries from line 3 (seq 3) were removed (base main)  [audit-rewritten]`,
        `${join(root, 'audit/workflow-key.pub')}:1:1  error  ${join(root, 'audit/workflow-key.pub')} is removed: entries after it would no longer need the workflow's signature (base main)  [audit-rewritten]`,
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('an unknown ref is one line, exit 2', async () => {
    const root = await unsignedRepo();
    try {
      const r = await runCli('keys', 'verify', '--root', root, '--base', 'nope');
      expect([r.code, r.err]).toEqual([2, 'smartbot keys: unknown git ref "nope": no such commit in this repository (fetch it first, e.g. `git fetch origin main`, or check the name)\n']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('keys verify without a workflow key', () => {
  it('says so in one warning line on every run; an enterprise environment is an error once its transition date has passed', async () => {
    const root = await unsignedRepo();
    try {
      const ok = await runCli('keys', 'verify', '--root', root);
      expect(ok.out.split('\n')).toEqual([
        '⚠ audit/workflow-key.pub is absent: every entry is unsigned, so anyone who can push can rewrite the history and recompute the chain (set-up: docs/keys.md, "The workflow key"); prod (enterprise) accepts this until 2027-03-01',
        expect.stringMatching(/^✔ .*: 3 entries, chain intact \(0 signed\); keys match the replay: dev, multi, prod, staging$/),
        '',
      ]);
      const prod = join(root, 'environments/prod.yaml');
      writeFileSync(prod, readFileSync(prod, 'utf8').replace('unsignedAuditUntil: "2027-03-01"', 'unsignedAuditUntil: "2026-01-31"'));
      const r = await runCli('keys', 'verify', '--root', root);
      expect(r.code).toBe(1);
      expect(r.out).toContain(
        `${prod}:2:1  error  prod is on the enterprise tier, but there is no workflow key ${join(root, 'audit/workflow-key.pub')}: every audit entry is unsigned, so anyone who can push can rewrite the history and recompute the chain (the transition \`security.keyring.unsignedAuditUntil: 2026-01-31\` has passed)  [audit-workflow-key-missing]`,
      );
      expect(r.out).toContain('  2 | tier: enterprise');
      // Other environments' keys still change: only prod's own commands refuse.
      expect((await runCli('keys', 'create', '--env', 'dev', '--id', 'web', '--reason', 'web', '--root', root, ...who)).code).toBe(0);
      expect((await runCli('keys', 'create', '--env', 'prod', '--id', 'web', '--reason', 'web', '--root', root, ...who)).code).toBe(1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
