// `keys rotate --due`: every active key within the warning window of its environment's maximum
// age, in every environment (or --env), each new key to its own file under --out.
import { join } from 'node:path';
import type { UnsealedEntry } from '../../contract/audit-log.js';
import { keyState, mintApiKey } from '../../contract/keyring-file.js';
import { currentKeys, record, signingKeyFor, writeSecretFile } from '../../keys/record.js';
import { KEY_AGE_WARNING_DAYS } from '../../validation/policy/keyring.js';
import { EXIT } from '../io.js';
import { change, DAY_MS, envOption, need, nextId, parseOverlap, provenanceOf, type KeysRun } from './options.js';

export async function rotateDue(run: KeysRun): Promise<number> {
  const { v, settings, io } = run;
  const outDir = need(v.out, '--out', 'DIR (one file per new key, mode 600)');
  const overlap = parseOverlap(v.overlap ?? '24h');
  const now = new Date();
  const who = provenanceOf(run);
  let rotated = 0;
  for (const env of v.env ? [envOption(run)] : settings.names()) {
    const max = settings.of(env).maxKeyAgeDays;
    if (max === undefined) continue;
    const state = await currentKeys(settings, env);
    const changes: UnsealedEntry[] = [];
    const secrets: { id: string; key: string }[] = [];
    for (const old of state.keys.apiKeys) {
      const age = (now.getTime() - Date.parse(old.created)) / DAY_MS;
      if (old.status !== 'active' || keyState(old, now.getTime()) !== 'valid' || age < max - KEY_AGE_WARNING_DAYS) continue;
      const id = nextId([...state.keys.apiKeys, ...secrets.map((s) => ({ id: s.id, name: old.name }))], old.name);
      const minted = mintApiKey(old.name, old.scopes, { id, now });
      secrets.push({ id, key: minted.key });
      changes.push({
        ...change(env, who, `scheduled: ${Math.floor(age)} days old, maximum ${max}`, now),
        action: 'rotate',
        kind: 'api-key',
        keyId: id,
        keyFingerprint: minted.entry.sha256.slice(0, 12),
        key: { name: old.name, scopes: old.scopes, notBefore: minted.entry.notBefore, sha256: minted.entry.sha256 },
        retires: { keyId: old.id, until: new Date(now.getTime() + overlap).toISOString() },
      });
    }
    if (!changes.length) continue;
    signingKeyFor(state, who);
    // The key files first: a key recorded in the log but lost would have to be rotated again.
    for (const s of secrets) writeSecretFile(join(outDir, `${env}-${s.id}.key`), `${s.key}\n`);
    for (const e of record(settings, env, state, changes, who)) io.out(`${env}: rotated ${e.retires!.keyId} → ${e.keyId} (audit seq ${e.seq}); key in ${join(outDir, `${env}-${e.keyId}.key`)}\n`);
    rotated += changes.length;
  }
  io.err(rotated ? `rotated ${rotated} key${rotated === 1 ? '' : 's'}. Next: npx smartbot render, then commit.\n` : 'no key is due for rotation\n');
  return EXIT.ok;
}
