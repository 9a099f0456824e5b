// `keys revoke`: refused at once (key_revoked) once the service reloads; a name revokes all of its live keys.
import { AUDIT_LOG_FILE, fingerprint } from '../../contract/keyring-file.js';
import { currentKeys, record } from '../../keys/record.js';
import { EXIT, UsageError } from '../io.js';
import { jwtFingerprint } from './change.js';
import { change, envOption, need, nextSteps, provenanceOf, type KeysRun } from './options.js';

export async function revoke(run: KeysRun): Promise<number> {
  const { v, settings, io } = run;
  const env = envOption(run);
  const target = need(v.id, '--id', v.jwt ? 'KID' : 'ci.1');
  const reason = need(v.reason, '--reason', '"key leaked"');
  const now = new Date();
  const who = provenanceOf(run);
  const state = await currentKeys(settings, env);
  const keys = v.jwt
    ? state.keys.jwtKeys.filter((k) => k.kid === target && k.status !== 'revoked').map((k) => ({ id: k.kid, fp: jwtFingerprint(k.publicKey) }))
    : state.keys.apiKeys.filter((k) => (k.id === target || k.name === target) && k.status !== 'revoked').map((k) => ({ id: k.id, fp: fingerprint(k.sha256) }));
  if (!keys.length) throw new UsageError(`${env} has no live ${v.jwt ? 'JWT signing key' : 'key'} "${target}"`);
  const kind = v.jwt ? ('jwt' as const) : ('api-key' as const);
  const sealed = record(settings, env, state, keys.map((k) => ({ ...change(env, who, reason, now), action: 'revoke' as const, kind, keyId: k.id, keyFingerprint: k.fp })), who);
  io.err(`revoked ${sealed.map((e) => `${e.keyId} (audit seq ${e.seq})`).join(', ')} in ${env}: refused from the moment the service reloads. ${nextSteps(settings.of(env).keyringFile, AUDIT_LOG_FILE)}\n`);
  return EXIT.ok;
}
