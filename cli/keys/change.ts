// `keys create` and `keys rotate` (without --due), for API keys and, with --jwt, JWT signing
// keys: one change each, recorded after the verified history, the new secret shown once.
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { UnsealedEntry } from '../../contract/audit-log.js';
import { generateSigningKeys, keyId } from '../../contract/jwt.js';
import { AUDIT_LOG_FILE, fingerprint, KEY_NAME, mintApiKey, SCOPES, type Scope } from '../../contract/keyring-file.js';
import { currentKeys, record } from '../../keys/record.js';
import { environmentFile } from '../../contract/paths.js';
import { EXIT, UsageError } from '../io.js';
import { change, envOption, need, nextId, nextSteps, parseInstant, parseOverlap, provenanceOf, recordWithSecret, type KeysRun } from './options.js';

export const jwtFingerprint = (pem: string) => fingerprint(createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('hex'));

export async function apiKeyChange(action: 'create' | 'rotate', run: KeysRun): Promise<number> {
  const { v, settings, io } = run;
  const env = envOption(run);
  const name = need(v.id, '--id', 'ci');
  if (!KEY_NAME.test(name)) throw new UsageError('--id must be a short name: lowercase letters, digits, - and _ (the generation is added: ci → ci.1)');
  const reason = need(v.reason, '--reason', '"CI smoke tests"');
  const now = new Date();
  const overlap = parseOverlap(v.overlap ?? '24h');
  const expires = parseInstant('--expires', v.expires);
  const notBefore = parseInstant('--not-before', v['not-before']);
  if (expires && expires <= now) throw new UsageError(`--expires ${v.expires} is in the past`);
  const who = provenanceOf(run);
  const state = await currentKeys(settings, env);
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
  const { sealed, shown } = recordWithSecret(io, v.out, v.json ? JSON.stringify({ env, id, key: minted.key, scopes }) : minted.key, `the key ${id}`, () => record(settings, env, state, [entry], who));
  const keyring = settings.of(env).keyringFile;
  io.err(`${action === 'create' ? 'created' : `rotated ${retires!.keyId} (retiring until ${retires!.until}) →`} ${id} (${scopes.join(',')}) in ${keyring}, audit seq ${sealed[0]!.seq}${shown}. ${nextSteps(keyring, AUDIT_LOG_FILE)}\n`);
  return EXIT.ok;
}

export async function jwtKeyChange(action: 'create' | 'rotate', run: KeysRun): Promise<number> {
  const { v, settings, io } = run;
  const env = envOption(run, 'prod');
  const reason = need(v.reason, '--reason', '"quarterly rotation"');
  const now = new Date();
  const who = provenanceOf(run);
  const state = await currentKeys(settings, env);
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
  const { sealed, shown } = recordWithSecret(io, v.out, privateKey, `the private key ${kid}`, () => record(settings, env, state, [entry], who));
  io.err(
    `${action === 'create' ? 'added' : `rotated ${active!.kid} (retiring until ${sealed[0]!.retires!.until}) →`} JWT signing key ${kid} in ${environmentFile(env)}, audit seq ${sealed[0]!.seq}${shown}. Sign tokens with it: npx smartbot token --env ${env} --key FILE …. ${nextSteps(environmentFile(env), AUDIT_LOG_FILE)}\n`,
  );
  return EXIT.ok;
}
