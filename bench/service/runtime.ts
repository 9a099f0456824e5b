// bench/service section "runtime" (placeholder: filled in by issue 13's work).
import type { SectionOptions, Table } from './table.js';

export async function runtimeTables(_opts: SectionOptions): Promise<Table[]> {
  return [{ title: 'runtime', note: 'not measured yet', columns: ['row'], rows: [] }];
}
