// `smartbot keys create|rotate|revoke|list|log|verify --env E`: an environment's API keys and
// JWT signing keys, with every change recorded in the tamper-evident audit log
// (audit/key-rotations.jsonl) and the keyring derived from it. A new key is shown once —
// printed, or written with --out to a new file of mode 0600 — and never stored.
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKeys, keyId } from '../contract/jwt.js';
import { API_KEY_SHAPE, AUDIT_LOG_FILE, fingerprint, KEY_NAME, keyState, mintApiKey, SCOPES, type KeyEntry, type Scope } from '../contract/keyring-file.js';
import { formatDiagnostic } from '../validation/format/text.js';
import { KEY_AGE_WARNING_DAYS } from '../validation/policy/keyring.js';
import { secretShape } from '../validation/policy/secrets.js';
import { githubFromEnv, parseRepo, requireToken, type GitHubClientOverrides } from './github-env.js';
import { EXIT, UsageError, type CliIO } from './io.js';
import { parseAuditLog, type AuditEntry, type UnsealedEntry } from '../contract/audit-log.js';
import { environmentNames, envKeySettings } from './keys/environment.js';
import { openRotationPr } from './keys/open-pr.js';
import { formatKeyList, formatLog } from './keys/show.js';
import { currentKeys, provenance, record, writeSecretFile, type Provenance } from './keys/record.js';
import { verifyKeys } from './keys/verify.js';

export const keysHelp = `Usage: smartbot keys create --env ENV --id NAME [--scope chat|admin] [--expires DATE] [--not-before DATE] --reason TEXT [--out FILE]
       smartbot keys rotate --env ENV --id NAME [--overlap 24h] --reason TEXT [--out FILE]
       smartbot keys rotate --due [--env ENV] [--overlap 24h] --out DIR
       smartbot keys revoke --env ENV --id ID|NAME --reason TEXT
       smartbot keys create|rotate|revoke --jwt --env ENV …    (JWT signing keys; --id KID for revoke)
       smartbot keys list --env ENV [--json]
       smartbot keys log [--env ENV] [--json]
       smartbot keys verify [--env ENV]
       smartbot keys open-pr --repo OWNER/NAME [--base main] [--branch NAME]

Every change is appended to ${AUDIT_LOG_FILE} (hash-chained, with actor, reason and ref) and the
environment's keyring is rewritten as the replay of that log. A new key is printed once, or
written with --out to a new file (mode 600); only its SHA-256 is stored. Then run
\`npx smartbot render\` and commit keyrings/, audit/ and rendered/ together.

  create    a new key NAME.1 (or the next generation of a revoked NAME)
  rotate    a new active key NAME.<n+1>; the old one is retiring, accepted until now + --overlap,
            then refused with key_expired. --due rotates every active key within
            ${KEY_AGE_WARNING_DAYS} days of its environment's maximum age (security.keyring.maxKeyAgeDays)
  revoke    refused at once (key_revoked); NAME revokes all of its live keys
  list      the environment's keys and their state now
  log       the history, readable (or --json)
  verify    recompute the chain, replay it and compare every keyring: exit 1 naming the line
  open-pr   propose the work tree's new audit entries and the files they changed (audit/,
            keyrings/, environments/, rendered/) as a pull request: a branch from the base's
            head, one commit, a body listing the entries. No new entries: no request, exit 0.
            GITHUB_TOKEN (never printed), GITHUB_API_URL (default https://api.github.com)

Options:
  --reason TEXT   why (required for changes; it goes in the audit log)
  --actor WHO     who (default: $SMARTBOT_ACTOR, the scheduled rotation when signing, git user.email)
  --ref REF       the pull request or commit (default: $SMARTBOT_REF, the PR from $GITHUB_REF, HEAD)
  --overlap D     how long a rotated key stays valid: 30m, 24h, 7d (default 24h; 0 = at once)
  --sign-key FILE sign the entries with the workflow key (or $SMARTBOT_AUDIT_SIGNING_KEY[_FILE])
  --repo O/N      open-pr: the GitHub repository
  --base BRANCH   open-pr: the branch to target (default main); the work tree must be at its head
  --branch NAME   open-pr: the new branch (default smartbot/key-rotation-<first seq>[-<last seq>])
  --root DIR      repository root (default: the current directory)
`;

const DAY_MS = 86_400_000;

/** "30m", "24h", "7d", "0": a rotation overlap in milliseconds (at most 90 days). */
export function parseOverlap(text: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(text);
  const ms = m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS }[(m[2] ?? 's') as 's'] : NaN;
  if (!m || (m[2] === undefined && m[1] !== '0') || ms > 90 * DAY_MS) throw new UsageError(`--overlap must be a duration like 30m, 24h or 7d (at most 90d), got "${text}"`);
  return ms;
}

function parseInstant(option: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`${option} is not a date: "${text}" (e.g. 2027-01-31 or 2027-01-31T12:00:00Z)`);
  return new Date(t);
}

type Options = ReturnType<typeof parseKeysArgs>['values'];
const parseKeysArgs = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      env: { type: 'string' },
      id: { type: 'string' },
      scope: { type: 'string' },
      expires: { type: 'string' },
      'not-before': { type: 'string' },
      overlap: { type: 'string' },
      reason: { type: 'string' },
      actor: { type: 'string' },
      ref: { type: 'string' },
      out: { type: 'string' },
      due: { type: 'boolean' },
      jwt: { type: 'boolean' },
      'public-key': { type: 'string' },
      'sign-key': { type: 'string' },
      root: { type: 'string' },
      repo: { type: 'string' },
      base: { type: 'string' },
      branch: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });

const need = (value: string | undefined, option: string, example: string) => {
  if (!value) throw new UsageError(`${option} is required (e.g. ${option} ${example})`);
  return value;
};

/** The fields every change shares. The log is forever: nothing that looks like a key goes in. */
function change(env: string, who: Provenance, reason: string, now: Date) {
  for (const [option, text] of [['--reason', reason], ['--actor', who.actor], ['--ref', who.ref]] as const) {
    const why = API_KEY_SHAPE.test(text) ? 'a plaintext API key' : secretShape(text, option !== '--reason');
    if (why) throw new UsageError(`${option} looks like it holds ${why}: the audit log is permanent, say why without the key`);
  }
  return { ts: now.toISOString(), env, actor: who.actor, reason, ref: who.ref };
}

/** --actor, --ref and --sign-key, or their defaults. */
const provenanceOf = (root: string, v: Options) => provenance(root, { ...(v.actor ? { actor: v.actor } : {}), ...(v.ref ? { ref: v.ref } : {}), ...(v['sign-key'] ? { signKey: v['sign-key'] } : {}) });

/** The next generation of NAME: NAME.1, or one past its highest. */
function nextId(keys: KeyEntry[], name: string): string {
  const gens = keys.filter((k) => k.name === name).map((k) => Number(k.id.slice(name.length + 1)));
  return `${name}.${Math.max(0, ...gens) + 1}`;
}

/**
 * Records `changes` and shows the new plaintext secret once: written to --out first (so a
 * file that cannot be written leaves nothing recorded), else printed after recording.
 * Returns the sealed entries and the sentence saying where the secret went.
 */
function recordWithSecret(io: CliIO, out: string | undefined, secret: string | undefined, what: string, write: () => AuditEntry[]): { sealed: AuditEntry[]; shown: string } {
  const text = secret === undefined || secret.endsWith('\n') ? secret : `${secret}\n`;
  if (text !== undefined && out) writeSecretFile(out, text);
  let sealed: AuditEntry[];
  try {
    sealed = write();
  } catch (e) {
    if (text !== undefined && out) rmSync(out, { force: true });
    throw e;
  }
  if (text === undefined) return { sealed, shown: '' };
  if (out) return { sealed, shown: `; ${what} written to ${out} (mode 600)` };
  io.out(text);
  return { sealed, shown: `; ${what} above is shown once: store it in your secret manager` };
}

const next = (keyring: string) => `Next: npx smartbot render, then commit ${keyring}, ${AUDIT_LOG_FILE} and rendered/.`;

async function apiKeyChange(action: 'create' | 'rotate', root: string, v: Options, io: CliIO): Promise<number> {
  const env = need(v.env, '--env', 'dev');
  const name = need(v.id, '--id', 'ci');
  if (!KEY_NAME.test(name)) throw new UsageError('--id must be a short name: lowercase letters, digits, - and _ (the generation is added: ci → ci.1)');
  const reason = need(v.reason, '--reason', '"CI smoke tests"');
  const now = new Date();
  const overlap = parseOverlap(v.overlap ?? '24h');
  const expires = parseInstant('--expires', v.expires);
  const notBefore = parseInstant('--not-before', v['not-before']);
  if (expires && expires <= now) throw new UsageError(`--expires ${v.expires} is in the past`);
  const who = provenanceOf(root, v);
  const state = await currentKeys(root, env);
  const live = state.keys.apiKeys.filter((k) => k.name === name && k.status !== 'revoked');
  const active = live.find((k) => k.status === 'active');
  let scopes: Scope[];
  let retires: { keyId: string; until: string } | undefined;
  if (action === 'create') {
    if (live.length) throw new UsageError(`${env} already has a live key ${live[0]!.id} for "${name}": rotate or revoke it instead`);
    const scope = (v.scope ?? 'chat') as Scope;
    if (!SCOPES.includes(scope)) throw new UsageError(`--scope must be chat or admin, got "${scope}"`);
    scopes = [scope];
  } else {
    if (!active) throw new UsageError(`${env} has no active key for "${name}" to rotate${live.length ? ` (${live.map((k) => `${k.id} ${k.status}`).join(', ')})` : ': create one'}`);
    if (v.scope) throw new UsageError('rotate keeps the key\'s scopes: revoke and create to change them');
    scopes = active.scopes;
    retires = { keyId: active.id, until: new Date(now.getTime() + overlap).toISOString() };
  }
  const id = nextId(state.keys.apiKeys, name);
  const minted = mintApiKey(name, scopes, { id, now, ...(notBefore ? { notBefore } : {}), ...(expires ? { expires } : {}) });
  const k = minted.entry;
  const entry: UnsealedEntry = {
    ...change(env, who, reason, now),
    action,
    kind: 'api-key',
    keyId: id,
    keyFingerprint: fingerprint(k.sha256),
    key: { name, scopes, notBefore: k.notBefore, ...(k.expires ? { expires: k.expires } : {}), sha256: k.sha256 },
    ...(retires ? { retires } : {}),
  };
  const { sealed, shown } = recordWithSecret(io, v.out, v.json ? JSON.stringify({ env, id, key: minted.key, scopes }) : minted.key, `the key ${id}`, () => record(root, env, state, [entry], who));
  const keyring = envKeySettings(root, env).keyringFile;
  io.err(`${action === 'create' ? 'created' : `rotated ${retires!.keyId} (retiring until ${retires!.until}) →`} ${id} (${scopes.join(',')}) in ${keyring}, audit seq ${sealed[0]!.seq}${shown}. ${next(keyring)}\n`);
  return EXIT.ok;
}

/** keys rotate --due: every active key within the warning window of its environment's maximum age, in every environment (or --env). */
async function rotateDue(root: string, v: Options, io: CliIO): Promise<number> {
  const outDir = need(v.out, '--out', 'DIR (one file per new key, mode 600)');
  const overlap = parseOverlap(v.overlap ?? '24h');
  const now = new Date();
  const who = provenanceOf(root, v);
  let rotated = 0;
  for (const env of v.env ? [v.env] : environmentNames(root)) {
    const max = envKeySettings(root, env).maxKeyAgeDays;
    if (max === undefined) continue;
    const state = await currentKeys(root, env);
    const changes: UnsealedEntry[] = [];
    const secrets: { id: string; key: string }[] = [];
    for (const old of state.keys.apiKeys) {
      const age = (now.getTime() - Date.parse(old.created)) / DAY_MS;
      if (old.status !== 'active' || keyState(old, now.getTime()) !== 'valid' || age < max - KEY_AGE_WARNING_DAYS) continue;
      const id = nextId([...state.keys.apiKeys, ...secrets.map((s) => ({ id: s.id, name: old.name }) as KeyEntry)], old.name);
      const minted = mintApiKey(old.name, old.scopes, { id, now });
      secrets.push({ id, key: minted.key });
      changes.push({
        ...change(env, who, `scheduled: ${Math.floor(age)} days old, maximum ${max}`, now),
        action: 'rotate',
        kind: 'api-key',
        keyId: id,
        keyFingerprint: fingerprint(minted.entry.sha256),
        key: { name: old.name, scopes: old.scopes, notBefore: minted.entry.notBefore, sha256: minted.entry.sha256 },
        retires: { keyId: old.id, until: new Date(now.getTime() + overlap).toISOString() },
      });
    }
    if (!changes.length) continue;
    // The key files first: a key recorded in the log but lost would have to be rotated again.
    for (const s of secrets) writeSecretFile(join(outDir, `${env}-${s.id}.key`), `${s.key}\n`);
    for (const e of record(root, env, state, changes, who)) io.out(`${env}: rotated ${e.retires!.keyId} → ${e.keyId} (audit seq ${e.seq}); key in ${join(outDir, `${env}-${e.keyId}.key`)}\n`);
    rotated += changes.length;
  }
  io.err(rotated ? `rotated ${rotated} key${rotated === 1 ? '' : 's'}. Next: npx smartbot render, then commit.\n` : 'no key is due for rotation\n');
  return EXIT.ok;
}

async function revoke(root: string, v: Options, io: CliIO): Promise<number> {
  const env = need(v.env, '--env', 'dev');
  const target = need(v.id, '--id', v.jwt ? 'KID' : 'ci.1');
  const reason = need(v.reason, '--reason', '"key leaked"');
  const now = new Date();
  const who = provenanceOf(root, v);
  const state = await currentKeys(root, env);
  const keys = v.jwt
    ? state.keys.jwtKeys.filter((k) => k.kid === target && k.status !== 'revoked').map((k) => ({ id: k.kid, fp: jwtFingerprint(k.publicKey) }))
    : state.keys.apiKeys.filter((k) => (k.id === target || k.name === target) && k.status !== 'revoked').map((k) => ({ id: k.id, fp: fingerprint(k.sha256) }));
  if (!keys.length) throw new UsageError(`${env} has no live ${v.jwt ? 'JWT signing key' : 'key'} "${target}"`);
  const sealed = record(root, env, state, keys.map((k) => ({ ...change(env, who, reason, now), action: 'revoke' as const, kind: v.jwt ? ('jwt' as const) : ('api-key' as const), keyId: k.id, keyFingerprint: k.fp })), who);
  io.err(`revoked ${sealed.map((e) => `${e.keyId} (audit seq ${e.seq})`).join(', ')} in ${env}: refused from the moment the service reloads. ${next(envKeySettings(root, env).keyringFile)}\n`);
  return EXIT.ok;
}

const jwtFingerprint = (pem: string) => fingerprint(createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('hex'));

async function jwtKeyChange(action: 'create' | 'rotate', root: string, v: Options, io: CliIO): Promise<number> {
  const env = need(v.env, '--env', 'prod');
  const reason = need(v.reason, '--reason', '"quarterly rotation"');
  const now = new Date();
  const who = provenanceOf(root, v);
  const state = await currentKeys(root, env);
  const active = state.keys.jwtKeys.find((k) => k.status === 'active');
  if (action === 'create' && active) throw new UsageError(`${env} already has an active JWT signing key ${active.kid}: rotate it instead`);
  if (action === 'rotate' && !active) throw new UsageError(`${env} has no active JWT signing key to rotate: create one`);
  let publicKey: string;
  let privateKey: string | undefined;
  if (v['public-key']) {
    if (action !== 'create') throw new UsageError('--public-key registers an existing key: use it with create');
    publicKey = readFileSync(v['public-key'], 'utf8');
  } else ({ publicKeyPem: publicKey, privateKeyPem: privateKey } = generateSigningKeys());
  let kid: string;
  try {
    kid = keyId(publicKey);
  } catch (e) {
    throw new UsageError(`${v['public-key']} is not an Ed25519 public key (PEM): ${(e as Error).message}`);
  }
  const entry: UnsealedEntry = {
    ...change(env, who, reason, now),
    action,
    kind: 'jwt',
    keyId: kid,
    keyFingerprint: jwtFingerprint(publicKey),
    key: { publicKey },
    ...(action === 'rotate' ? { retires: { keyId: active!.kid, until: new Date(now.getTime() + parseOverlap(v.overlap ?? '24h')).toISOString() } } : {}),
  };
  const { sealed, shown } = recordWithSecret(io, v.out, privateKey, `the private key ${kid}`, () => record(root, env, state, [entry], who));
  io.err(`${action === 'create' ? 'added' : `rotated ${active!.kid} (retiring until ${sealed[0]!.retires!.until}) →`} JWT signing key ${kid} in environments/${env}.yaml, audit seq ${sealed[0]!.seq}${shown}. Sign tokens with it: npx smartbot token --env ${env} --key FILE …. ${next(`environments/${env}.yaml`)}\n`);
  return EXIT.ok;
}

async function verify(root: string, v: Options, io: CliIO): Promise<number> {
  const r = await verifyKeys(root, v.env ? [v.env] : undefined);
  const log = join(root, AUDIT_LOG_FILE);
  if (r.diagnostics.length) {
    io.out(`${r.diagnostics.map(formatDiagnostic).join('\n\n')}\n\n✖ ${r.diagnostics.length} problem${r.diagnostics.length === 1 ? '' : 's'}: the key history does not verify\n`);
    return EXIT.invalid;
  }
  io.out(`✔ ${log}: ${r.entries} entries, chain intact (${r.signed} signed); keys match the replay: ${r.compared.join(', ') || '(no environments)'}\n`);
  return EXIT.ok;
}

async function openPr(root: string, v: Options, io: CliIO, client: GitHubClientOverrides): Promise<number> {
  const { owner, repo } = parseRepo(v.repo);
  const base = v.base ?? 'main';
  const { gh, baseUrl } = githubFromEnv(requireToken(), 'smartbot-keys', client);
  const r = await openRotationPr(gh, root, { owner, repo, base, baseUrl, ...(v.branch ? { branch: v.branch } : {}) });
  if (!r.opened) return io.out(`no new entries in ${AUDIT_LOG_FILE}: no key change to propose\n`), EXIT.ok;
  const seqs = r.entries.map((e) => e.seq);
  io.out(`opened ${r.url} from ${r.branch} into ${base}: audit seq ${seqs[0]}${seqs.length > 1 ? `–${seqs.at(-1)}` : ''}, ${r.files.length} file${r.files.length === 1 ? '' : 's'}\n`);
  return EXIT.ok;
}

/** `client`: tests pass shorter retry waits and un-spaced writes for open-pr. */
export async function keysCommand(argv: string[], io: CliIO, client: GitHubClientOverrides = {}): Promise<number> {
  const { values: v, positionals } = parseKeysArgs(argv);
  const action = positionals[0];
  if (v.help || !action) return io.out(keysHelp), v.help ? EXIT.ok : EXIT.usage;
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const root = v.root ?? '.';
  switch (action) {
    case 'create':
    case 'rotate':
      if (v.due) {
        if (action !== 'rotate' || v.jwt || v.id) throw new UsageError('--due goes with `rotate` alone (no --id, no --jwt)');
        return rotateDue(root, v, io);
      }
      return v.jwt ? jwtKeyChange(action, root, v, io) : apiKeyChange(action, root, v, io);
    case 'revoke':
      return revoke(root, v, io);
    case 'list': {
      const env = need(v.env, '--env', 'dev');
      const keys = (await currentKeys(root, env)).keys;
      io.out(v.json ? `${JSON.stringify(keys, null, 2)}\n` : formatKeyList(keys, Date.now()));
      return EXIT.ok;
    }
    case 'log': {
      const file = join(root, AUDIT_LOG_FILE);
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        // No history yet.
      }
      const entries = parseAuditLog(text).flatMap((l) => (l.entry && (!v.env || l.entry.env === v.env) ? [l.entry] : []));
      io.out(v.json ? `${JSON.stringify(entries, null, 2)}\n` : formatLog(entries as AuditEntry[]));
      return EXIT.ok;
    }
    case 'verify':
      return verify(root, v, io);
    case 'open-pr':
      return openPr(root, v, io, client);
    case 'add':
      throw new UsageError('`keys add` is now `keys create --env ENV --id NAME --reason TEXT`');
    default:
      throw new UsageError(`unknown action "${action}" (create, rotate, revoke, list, log, verify or open-pr)`);
  }
}
