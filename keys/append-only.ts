// Append-only against a base: the head's history must be the base's, byte for byte, followed by
// new lines — the consistency proof a transparency log gives, that the log only grew. Nothing
// the base recorded may be changed, removed or reordered, and the workflow key it committed may
// not be changed or removed (that would unsign every entry after it). `keys verify --base REF`
// and plan's blocking `audit-rewritten` risk both ask this.

export type HistoryChange =
  /** A line the base has differs in the head (1-based line; the base entry's seq when it has one). */
  | { kind: 'changed'; line: number; seq?: number }
  /** The head ends before the base's last line: entries deleted at the end (or the file removed). */
  | { kind: 'removed'; line: number; seq?: number; baseLines: number; headLines: number }
  /** audit/workflow-key.pub changed or removed. */
  | { kind: 'workflow-key'; what: 'changed' | 'removed' };

const linesOf = (text: string) => {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
};

const seqOf = (line: string): number | undefined => {
  try {
    const seq = (JSON.parse(line) as { seq?: unknown }).seq;
    return typeof seq === 'number' ? seq : undefined;
  } catch {
    return undefined;
  }
};

/**
 * How the head's history departs from the base's, first difference first (at most one per
 * kind: one is enough to refuse, and a rewrite usually shifts every line after it). Texts are
 * the audit log and the workflow key file on each side; undefined where a side has none.
 */
export function historyChanges(base: { log?: string | undefined; workflowKey?: string | undefined }, head: { log?: string | undefined; workflowKey?: string | undefined }): HistoryChange[] {
  const out: HistoryChange[] = [];
  const a = linesOf(base.log ?? '');
  const b = linesOf(head.log ?? '');
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  const seq = (line: string | undefined) => {
    const s = line === undefined ? undefined : seqOf(line);
    return s === undefined ? {} : { seq: s };
  };
  if (i < n) out.push({ kind: 'changed', line: i + 1, ...seq(a[i]) });
  else if (b.length < a.length) out.push({ kind: 'removed', line: b.length + 1, ...seq(a[b.length]), baseLines: a.length, headLines: b.length });
  if (base.workflowKey !== undefined && head.workflowKey === undefined) out.push({ kind: 'workflow-key', what: 'removed' });
  else if (base.workflowKey !== undefined && base.workflowKey !== head.workflowKey) out.push({ kind: 'workflow-key', what: 'changed' });
  return out;
}

/** One line for a reader: what changed, where. */
export function describeChange(c: HistoryChange, log: string, keyFile: string): string {
  const seq = 'seq' in c && c.seq !== undefined ? ` (seq ${c.seq})` : '';
  if (c.kind === 'changed') return `${log} line ${c.line}${seq} differs from the base's: an existing audit entry was changed`;
  if (c.kind === 'removed') return `${log} has ${c.headLines} line${c.headLines === 1 ? '' : 's'} where the base has ${c.baseLines}: entries from line ${c.line}${seq} were removed`;
  return `${keyFile} is ${c.what}: entries after it would no longer need the workflow's signature`;
}
