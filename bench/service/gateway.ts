// bench/service section "gateway" (placeholder: filled in by issue 13's work).
import type { SectionOptions, Table } from './table.js';

export async function gatewayTables(_opts: SectionOptions): Promise<Table[]> {
  return [{ title: 'gateway', note: 'not measured yet', columns: ['row'], rows: [] }];
}
