// Where a server's CPU time went: self time per function and per file (package or project
// folder) from a V8 .cpuprofile, as `node --cpu-prof` writes it. Used to profile the gateway:
//   BENCH_CPU_PROF=/tmp/prof npm run bench:service -- --only gateway
//   node dist/bench/service/profile-summary.js /tmp/prof/CPU.*.cpuprofile [--top 25] [--from SECONDS]
// --from skips the first seconds of the profile (start-up: imports, schema compiles, model load).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A file as a short name: `node_modules/<package>`, a project path, or node's own `node:…`. */
function fileOf(url: string): string {
  if (!url) return '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const project = /\/dist\/(.+)$/.exec(url);
  return project ? project[1]! : url.replace(/^file:\/\//, '');
}

export function summarise(profile: CpuProfile, fromUs = 0): { total: number; byFunction: Map<string, number>; byFile: Map<string, number> } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let at = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at < fromUs) return;
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') return;
    total += us;
    const file = fileOf(url);
    const fn = `${functionName || '(anonymous)'} ${file}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  });
  return { total, byFunction, byFile };
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, from: { type: 'string', default: '0' } } });
if (positionals.length === 0) {
  console.error('usage: profile-summary FILE.cpuprofile… [--top N] [--from SECONDS]');
  process.exit(2);
}
for (const file of positionals) {
  const { total, byFunction, byFile } = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.from) * 1e6);
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, Number(values.top))
      .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms on CPU (idle and GC-free program time excluded)\n\nby file:\n${rows(byFile).join('\n')}\n\nby function (self time):\n${rows(byFunction).join('\n')}\n`);
}
