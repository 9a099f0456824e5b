// bench/service section "memory" (placeholder: filled in by issue 13's work).
import type { SectionOptions, Table } from './table.js';

export async function memoryTables(_opts: SectionOptions): Promise<Table[]> {
  return [{ title: 'memory', note: 'not measured yet', columns: ['row'], rows: [] }];
}
