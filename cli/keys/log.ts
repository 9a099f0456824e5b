// `keys log [--env E] [--json]`: the history as people read it (what an entry's keyId, actor or
// reason holds is shown escaped: it came from whoever wrote the line), or as JSON.
import { join } from 'node:path';
import { entriesOf, parseAuditLog } from '../../contract/audit-log.js';
import { AUDIT_LOG_FILE } from '../../contract/keyring-file.js';
import { KEY_FILES_MAX_BYTES } from '../../keys/verify.js';
import { RepoFiles, refusalMessage } from '../../validation/load/repo-file.js';
import { safeJson } from '../../validation/format/safe-text.js';
import { UserError } from '../../contract/run-main.js';
import { EXIT } from '../io.js';
import { formatLog } from './format.js';
import type { KeysRun } from './options.js';

export async function log(run: KeysRun): Promise<number> {
  const { v, settings, io } = run;
  const read = new RepoFiles(settings.root, KEY_FILES_MAX_BYTES).read(join(settings.root, AUDIT_LOG_FILE));
  if (!read.ok && read.refusal.rule !== 'io-missing') throw new UserError(refusalMessage(read.refusal), 2);
  const entries = entriesOf(parseAuditLog(read.ok ? read.text : '')).filter((e) => !v.env || e.env === v.env);
  io.out(v.json ? `${safeJson(entries)}\n` : formatLog(entries));
  return EXIT.ok;
}
