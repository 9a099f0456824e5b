// Kubernetes quantities (the subset the schema allows).

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** "4Gi" → 4294967296. The schema restricts memory and storage to these binary suffixes. */
export function parseBytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(q);
  if (!m) throw new Error(`not a binary quantity: ${q}`);
  return Number(m[1]) * BINARY[m[2]!]!;
}

/** "2" → 2000, "500m" → 500, "1.5" → 1500. */
export function parseMillicores(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}
