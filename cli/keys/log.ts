// `keys log [--env E] [--json]`: the history as people read it (what an entry's keyId, actor or
// reason holds is shown escaped: it came from whoever wrote the line), or as JSON. Lines that are
// not entries, and entries whose hash does not match, cannot be shown as history: they are
// counted on stderr, with the first one's line, and the exit code is 1, as `keys verify`'s.
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
  const parsed = parseAuditLog(read.ok ? read.text : '');
  const entries = entriesOf(parsed).filter((e) => !v.env || e.env === v.env);
  io.out(v.json ? `${safeJson(entries)}\n` : formatLog(entries));
  const notEntries = parsed.lines.filter((l) => !l.entry);
  const badHash = parsed.lines.filter((l) => l.entry && !l.hashOk);
  const hidden = notEntries.length + parsed.unkept;
  if (hidden === 0 && badHash.length === 0) return EXIT.ok;
  const said = [
    ...(hidden ? [`${hidden.toLocaleString('en-US')} line${hidden === 1 ? ' is' : 's are'} not an entry and not shown (first: line ${notEntries[0]!.line}, ${notEntries[0]!.problem.rule})`] : []),
    ...(badHash.length ? [`${badHash.length.toLocaleString('en-US')} entr${badHash.length === 1 ? 'y does' : 'ies do'} not match ${badHash.length === 1 ? 'its' : 'their'} hash (first: line ${badHash[0]!.line})`] : []),
  ];
  io.err(`⚠ ${AUDIT_LOG_FILE}: ${said.join('; ')}. The history does not verify: run \`smartbot keys verify\` for every problem, at its line.\n`);
  return EXIT.invalid;
}
