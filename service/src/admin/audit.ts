// The key audit history for the console's Audit page and sign-in: the last entries of this
// environment and the chain's verdict, checked by the same code as `smartbot keys verify`
// (contract/audit-log.ts: canonical lines, hashes, chain, the workflow key's signatures), and the
// API keys that only lines which do not verify name. Read again only when a file changes (the
// log may hold 100,000 entries), and never past a size cap.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { checkChain, entriesOf, keysOnlyInBrokenLines, parseAuditLog, parseWorkflowKey, type AuditEntry, type ChainProblem, type WorkflowKey } from '../../../contract/audit-log.js';

export interface AuditView {
  entries: AuditEntry[];
  problems: ChainProblem[];
  /** Problems beyond those kept. */
  omitted: number;
  signed: number;
  /** Why the workflow key file is not one, when it exists and is not. */
  workflowKeyProblem?: string;
  /** API keys (SHA-256 → line) named only by lines that do not verify: a rewritten line's key. */
  unvouched: Map<string, number>;
}

/** The console reads at most this much of the log (as `keys verify` does). */
export const AUDIT_MAX_BYTES = 128 * 2 ** 20;

const stampOf = (file: string) => {
  try {
    const st = statSync(file);
    return st.isFile() ? `${st.size}:${st.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
};

/** A regular file's text, at most `max` bytes (undefined: absent, or not a regular file). */
function readCapped(file: string, max: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.allocUnsafe(Math.min(fstatSync(fd).size, max));
    let n = 0;
    for (let got; n < buf.length && (got = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += got;
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/** Cached by the log's and the key file's size and modification time. */
export class AuditHistory {
  private cached: { stamp: string; view: AuditView } | undefined;

  /** `workflowKeyFile`: audit/workflow-key.pub beside the log, as `keys verify` reads it (contract WORKFLOW_KEY_FILE). */
  constructor(
    readonly file: string,
    readonly workflowKeyFile: string,
  ) {}

  /** The parsed, checked history; undefined when there is no such file. */
  async read(): Promise<AuditView | undefined> {
    const logStamp = stampOf(this.file);
    if (logStamp === undefined) return undefined;
    const stamp = `${logStamp}/${stampOf(this.workflowKeyFile) ?? '-'}`;
    if (this.cached?.stamp === stamp) return this.cached.view;
    const log = parseAuditLog(readCapped(this.file, AUDIT_MAX_BYTES) ?? '');
    const keyText = readCapped(this.workflowKeyFile, 64 * 1024);
    const parsed = keyText === undefined ? undefined : parseWorkflowKey(keyText);
    const workflowKey: WorkflowKey | undefined = parsed && !('problem' in parsed) ? parsed : undefined;
    const entries = entriesOf(log);
    const chain = await checkChain(log, workflowKey, this.workflowKeyFile);
    const view: AuditView = {
      entries,
      problems: chain.problems,
      omitted: chain.omitted,
      signed: entries.filter((e) => e.sig !== undefined).length,
      ...(parsed && 'problem' in parsed ? { workflowKeyProblem: parsed.problem } : {}),
      unvouched: keysOnlyInBrokenLines(log, chain.problems),
    };
    this.cached = { stamp, view };
    return view;
  }
}
