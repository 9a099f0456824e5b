// Unified diff of two texts, line by line (Myers' O(ND) algorithm). Written here because no
// diff library is a dependency and git can only diff files or blobs, while rendered objects
// exist in memory only; objects are a few hundred lines at most.

type Op = { kind: ' ' | '-' | '+'; line: string };

/** The shortest edit script turning `a` into `b`, as kept / removed / added lines. */
export function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) x++, y++;
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace back from (n, m) to (0, 0).
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) ops.push({ kind: ' ', line: a[--x]! }), y--;
    if (d > 0) {
      if (x === prevX) ops.push({ kind: '+', line: b[--y]! });
      else ops.push({ kind: '-', line: a[--x]! });
    }
  }
  return ops.reverse();
}

/**
 * `---`/`+++` headers and `@@` hunks with `context` lines around each change; "" when equal.
 * fromLine/toLine: the file line each text starts at, so hunks name lines of the whole file.
 */
export function unifiedDiff(before: string, after: string, labels: { from: string; to: string; fromLine?: number; toLine?: number }, context = 3): string {
  if (before === after) return '';
  const split = (t: string) => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
  const ops = diffLines(split(before), split(after));
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  let i = 0;
  while (i < ops.length) {
    // The next change, and the hunk around it: changes closer than 2×context share a hunk.
    while (i < ops.length && ops[i]!.kind === ' ') i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.kind !== ' ') end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(ops.length, end + context + 1);
    let aLine = labels.fromLine ?? 1;
    let bLine = labels.toLine ?? 1;
    for (let j = 0; j < start; j++) {
      if (ops[j]!.kind !== '+') aLine++;
      if (ops[j]!.kind !== '-') bLine++;
    }
    const hunk = ops.slice(start, stop);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    // Unified diff convention: an empty range names the line before it.
    out.push(`@@ -${aCount ? aLine : aLine - 1},${aCount} +${bCount ? bLine : bLine - 1},${bCount} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
    i = stop;
  }
  return out.join('\n') + '\n';
}
