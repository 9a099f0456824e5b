// The key audit history for the console's Audit page: the last entries of this environment and
// the chain's verdict, checked by the same code as `smartbot keys verify`
// (contract/audit-log.ts). Read again only when the file changes (it may hold 100,000 entries).
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chainProblems, parseAuditLog, type AuditEntry, type ChainProblem } from '../../../contract/audit-log.js';

export interface AuditView {
  entries: AuditEntry[];
  problems: ChainProblem[];
  signed: number;
}

/** Cached per file by size and modification time. */
export class AuditHistory {
  private cached: { stamp: string; view: AuditView } | undefined;

  constructor(readonly file: string) {}

  /** The parsed, checked history; undefined when there is no such file. */
  async read(): Promise<AuditView | undefined> {
    let stamp: string;
    try {
      const st = statSync(this.file);
      if (!st.isFile()) return undefined;
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      return undefined;
    }
    if (this.cached?.stamp === stamp) return this.cached.view;
    const lines = parseAuditLog(readFileSync(this.file, 'utf8'));
    // The workflow key's public half sits beside the log (audit/workflow-key.pub), as keys verify reads it.
    const keyFile = join(dirname(this.file), 'workflow-key.pub');
    let workflowKey: string | undefined;
    try {
      workflowKey = readFileSync(keyFile, 'utf8');
    } catch {
      workflowKey = undefined;
    }
    const entries = lines.flatMap((l) => (l.entry ? [l.entry] : []));
    const view = { entries, problems: await chainProblems(lines, workflowKey, keyFile), signed: entries.filter((e) => e.sig !== undefined).length };
    this.cached = { stamp, view };
    return view;
  }
}
