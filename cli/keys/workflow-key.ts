// `keys workflow-key --public-key FILE`: commits the repository to the workflow key — every
// entry after the current last one must carry its signature (docs/keys.md, "The workflow key").
import { readFileSync } from 'node:fs';
import { adoptWorkflowKey } from '../../keys/record.js';
import { EXIT, UsageError } from '../io.js';
import { need, type KeysRun } from './options.js';

export async function workflowKey(run: KeysRun): Promise<number> {
  const file = need(run.v['public-key'], '--public-key', 'workflow-key.pub.pem');
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --public-key ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (/PRIVATE KEY/.test(pem)) throw new UsageError(`${file} holds a private key: pass the public half (openssl pkey -in KEY -pubout); the private half goes only into the SMARTBOT_AUDIT_SIGNING_KEY secret`);
  const r = await adoptWorkflowKey(run.settings, pem);
  run.io.err(`wrote ${r.file}: every audit entry from seq ${r.fromSeq} on must be signed with its private half. Commit it; from now on key changes are recorded by the workflow that holds SMARTBOT_AUDIT_SIGNING_KEY.\n`);
  return EXIT.ok;
}
