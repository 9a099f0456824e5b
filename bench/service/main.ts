// bench/service: the service's serving speed side by side with its baselines, in one run —
// the gateway against bare fastify, memory under load, tokens/s and time to first token
// against node-llama-cpp directly and llama.cpp's llama-server, then every decoding path in one
// table (summary.ts). Figures, not a test.
// Usage: npm run bench:service [-- --only gateway,memory,tokens,runtime,relay --seconds 10 --runs 3
//        --compare OTHER/dist]   (--compare: also the service of another build, e.g. an earlier
//        commit's, interleaved with this one's: a before/after; build it with `npm run build` in
//        a worktree of that commit)
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { summaryTable } from './summary.js';
import { printTable, type SectionOptions, type Table } from './table.js';

type Section = (opts: SectionOptions) => Promise<Table[]>;
const SECTIONS: Record<string, () => Promise<Section>> = {
  gateway: async () => (await import('./gateway.js')).gatewayTables,
  memory: async () => (await import('./memory.js')).memoryTables,
  tokens: async () => (await import('./tokens.js')).tokenTables,
  runtime: async () => (await import('./runtime.js')).runtimeTables,
  relay: async () => (await import('./relay.js')).relayTables,
};

const { values } = parseArgs({
  options: { only: { type: 'string' }, seconds: { type: 'string', default: '10' }, runs: { type: 'string', default: '3' }, compare: { type: 'string' } },
});
// relay repeats rows the runtime section has (for an A/B of the service's hop): run it by name.
const names = values.only ? values.only.split(',') : Object.keys(SECTIONS).filter((n) => n !== 'relay');
const unknown = names.filter((n) => !(n in SECTIONS));
if (unknown.length) {
  console.error(`bench:service: unknown section ${unknown.join(', ')} (known: ${Object.keys(SECTIONS).join(', ')})`);
  process.exit(2);
}
if (values.compare && !['service/src/entries/main.js', 'service/src/main.js'].some((f) => existsSync(join(values.compare!, f)))) {
  console.error(`bench:service: --compare ${values.compare} holds no service/src/entries/main.js: name another build's dist/ (run \`npm run build\` there first)`);
  process.exit(2);
}
const opts: SectionOptions = { seconds: Number(values.seconds), runs: Number(values.runs), progress: (l) => process.stderr.write(`  … ${l}\n`), ...(values.compare ? { compare: resolve(values.compare) } : {}) };
console.log(`bench:service on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; medians of ${opts.runs}\n`);
for (const name of names) {
  process.stderr.write(`[${name}]\n`);
  const section = await SECTIONS[name]!();
  for (const t of await section(opts)) console.log(printTable(t));
}
// Issue 24's table: the decoding rows of the tokens and runtime sections together.
const summary = summaryTable();
if (summary) console.log(printTable(summary));
