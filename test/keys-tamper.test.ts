// The tamper corpus: a real history made by `smartbot keys`, then each way of tampering with it.
// `keys verify` must exit 1 and report exactly these diagnostics, each on the line touched.
// Cases that forge content recompute the hash the way a forger would (the chain must still
// tell). Together the cases trigger every rule `keys verify` has (checked below).
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeys } from '../contract/jwt.js';
import { hashedText, entryLine, WORKFLOW_ACTOR, type AuditEntry } from '../contract/audit-log.js';
import { RULES } from '../validation/rules.js';
import { runCli } from './helpers/cli.js';
import { scratchKeysRepo } from './helpers/keys.js';
import { tempDir } from './helpers/temp.js';

const LOG = 'audit/key-rotations.jsonl';
const who = ['--actor', 'alice@example.com', '--ref', 'PR #12'];
let base: string;

/** The history: 1 create dev ci, 2 create dev ops, 3 rotate dev ci, 4 create prod ci, 5 rotate prod ci (signed by the workflow), 6 revoke dev ops, 7 create a staging JWT key. */
beforeAll(async () => {
  base = scratchKeysRepo();
  const k = (...args: string[]) => runCli('keys', ...args, '--root', base);
  const signing = generateSigningKeys();
  writeFileSync(join(base, 'workflow.pem'), signing.privateKeyPem);
  await k('create', '--env', 'dev', '--id', 'ci', '--reason', 'CI smoke tests', ...who);
  await k('create', '--env', 'dev', '--id', 'ops', '--scope', 'admin', '--reason', 'on-call dashboard', ...who);
  await k('rotate', '--env', 'dev', '--id', 'ci', '--reason', 'quarterly', ...who);
  await k('create', '--env', 'prod', '--id', 'ci', '--reason', 'prod CI', ...who);
  writeFileSync(join(base, 'audit/workflow-key.pub'), signing.publicKeyPem);
  const forged = await k('rotate', '--env', 'prod', '--id', 'ci', '--reason', 'scheduled', '--sign-key', join(base, 'workflow.pem'), '--ref', 'schedule');
  expect(forged.code).toBe(0);
  await k('revoke', '--env', 'dev', '--id', 'ops', '--reason', 'left the team', ...who);
  await k('create', '--jwt', '--env', 'staging', '--reason', 'first signing key', '--out', join(base, 'jwt.pem'), ...who);
  const ok = await k('verify');
  expect(ok.code).toBe(0);
}, 30_000);

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
async function verify(root: string) {
  const r = await runCli('keys', 'verify', '--root', root);
  rmSync(root, { recursive: true, force: true });
  return { code: r.code, problems: r.out.split('\n').filter((l) => /^\S+:\d+:\d+ {2}error/.test(l)).map((l) => l.replaceAll(`${root}/`, '').replace(/ {2}/g, ' ')), text: r.out };
}

const CASES: [string, (files: Files) => void | Promise<void>, string[]][] = [
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
      await runCli('keys', 'rotate', '--env', 'dev', '--id', 'ci', '--reason', 'branch A', '--root', a, ...who);
      await runCli('keys', 'create', '--env', 'staging', '--id', 'web', '--reason', 'branch B', '--root', b, ...who);
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
  ['a signed entry with no workflow key to check it', ({ write }) => write('audit/workflow-key.pub', ''), [`${LOG}:5:1 error entry seq 5 is signed, but there is no workflow key audit/workflow-key.pub to check it [audit-signature]`]],
  [
    'an impossible entry appended (hash chained correctly)',
    ({ lines, setLines }) => {
      const ls = lines();
      const last = JSON.parse(ls[ls.length - 1]!) as AuditEntry;
      ls.push(forge(ls[0]!, (e) => Object.assign(e, { seq: last.seq + 1, prevHash: last.hash, action: 'revoke', keyId: 'ghost.1', key: undefined })));
      setLines(ls);
    },
    [`${LOG}:8:1 error entry seq 8 (dev) names key ghost.1, which does not exist [audit-replay]`],
  ],
  [
    'a line rewritten in another form (same content)',
    ({ lines, setLines }) => setLines(lines().map((l, i) => (i === 0 ? JSON.stringify(JSON.parse(l), null, 1).replace(/\n/g, '') : l))),
    [`${LOG}:1:1 error entry seq 1 does not match its hash: it was edited after it was written [audit-hash-mismatch]`],
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
  it.each(CASES)('%s: exit 1, named on its line', async (_name, tamper, expected) => {
    const r = await verify(await tampered(tamper));
    expect(r.problems).toEqual(expected);
    expect(r.text).not.toContain('Zm9vYmFyYmF6cXV4');
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/✖ \d+ problems?: the key history does not verify\n$/);
  });

  it('the fork says how to fix it: rebase, then run the command again', async () => {
    const r = await verify(await tampered(CASES.find(([n]) => n.includes('fork'))![1]));
    expect(r.text).toContain('fix: Rebase onto the target branch keeping its audit log and keyrings (git checkout origin/main -- audit keyrings), then run your `smartbot keys rotate|create|revoke` again.');
  });

  it('covers every rule keys verify reports', () => {
    const triggered = new Set(CASES.flatMap(([, , lines]) => lines.map((l) => (typeof l === 'string' ? /\[([\w-]+)\]$/.exec(l)![1] : 'keyring-drift'))));
    const verifyRules = Object.keys(RULES).filter((id) => id.startsWith('audit-') || id === 'keyring-drift' || id === 'keyring-plaintext');
    expect(triggered.has('file-symlink')).toBe(true);
    expect(verifyRules.filter((id) => !triggered.has(id))).toEqual([]);
  });
});
