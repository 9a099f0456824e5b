// bench/service section "tokens" (placeholder: filled in by issue 13's work).
import type { SectionOptions, Table } from './table.js';

export async function tokenTables(_opts: SectionOptions): Promise<Table[]> {
  return [{ title: 'tokens', note: 'not measured yet', columns: ['row'], rows: [] }];
}
