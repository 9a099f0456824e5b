// The one dependency rule, over the real import graph (type-only imports included):
//   contract/ and gguf/ import nothing of the project; validation/, generators/ and service/
//   import only those two; keys/ adds validation/; plan/ adds validation/, generators/ and
//   keys/; cli/ (and bench/, the tests) may import anything. And no import cycles, type-only
//   ones included. The service's entry points (a file that runs as a process:
//   `isEntry(import.meta.url)`) sit in service/src/entries/, apart from the library files, and
//   no production file imports one.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/env.js';

const ALLOWED: Record<string, string[]> = {
  contract: [],
  gguf: [],
  validation: ['contract', 'gguf'],
  generators: ['contract', 'gguf'],
  service: ['contract', 'gguf'],
  keys: ['contract', 'gguf', 'validation'],
  plan: ['contract', 'gguf', 'validation', 'generators', 'keys'],
  cli: ['contract', 'gguf', 'validation', 'generators', 'service', 'keys', 'plan'],
};
const PARTS = Object.keys(ALLOWED);
/** Where the service's entry points live (entries/main.ts, llama-runtime.ts, model-loader.ts). */
const ENTRIES = 'service/src/entries/';

/** Production sources of the parts, as repo-relative path → text. */
function sources(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const rel = posix.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (rel.endsWith('.ts') && !rel.endsWith('.test.ts') && !rel.endsWith('.d.ts')) out.set(rel, readFileSync(join(repoRoot, rel), 'utf8'));
    }
  };
  for (const part of PARTS) {
    try {
      walk(part);
    } catch {
      // a part that does not exist yet
    }
  }
  return out;
}

const partOf = (file: string) => file.split('/')[0]!;

/** Every relative import (static, dynamic, type-only, re-export) as a resolved .ts path. */
function importsOf(file: string, text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((i) => i.fileName).filter((s) => s.startsWith('.')).map((s) => posix.normalize(posix.join(posix.dirname(file), s)).replace(/\.js$/, '.ts'));
}

/** What breaks the rule: "from → to (rule)" lines, and cycles as "a → b → a". */
export function checkArchitecture(files: Map<string, string>): { violations: string[]; cycles: string[] } {
  const violations: string[] = [];
  const graph = new Map<string, string[]>();
  const isServiceEntry = (file: string) => file.startsWith(ENTRIES);
  for (const [file, text] of files) {
    const targets = importsOf(file, text);
    graph.set(file, targets.filter((t) => files.has(t)));
    if (file.startsWith('service/') && /\bisEntry\(import\.meta\.url\)/.test(text) && !isServiceEntry(file)) violations.push(`${file} is a service entry point outside ${ENTRIES}`);
    for (const t of targets.filter(isServiceEntry)) violations.push(`${file} → ${t} (an entry point is imported by a library file)`);
    const from = partOf(file);
    for (const t of targets) {
      const to = partOf(t);
      if (to !== from && !ALLOWED[from]!.includes(to)) violations.push(`${file} → ${t} (${from}/ may import ${ALLOWED[from]!.length ? ALLOWED[from]!.join(', ') : 'nothing of the project'})`);
    }
  }
  // Tarjan's strongly connected components: any component of 2+ files is a cycle.
  const cycles: string[] = [];
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next), low.set(v, next++), stack.push(v), onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!));
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do (w = stack.pop()!), onStack.delete(w), scc.push(w);
      while (w !== v);
      if (scc.length > 1 || graph.get(v)!.includes(v)) cycles.push(scc.sort().join(' ↔ '));
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return { violations: violations.sort(), cycles: cycles.sort() };
}

describe('architecture: one dependency rule, no cycles', () => {
  it('holds on the tree', () => {
    const files = sources();
    expect(files.size).toBeGreaterThan(50);
    expect(checkArchitecture(files)).toEqual({ violations: [], cycles: [] });
  });

  it('fails on a deliberate violation of each kind', () => {
    const files = sources();
    files.set('contract/leak.ts', "import type { RuleId } from '../validation/rules.js';\nexport type X = RuleId;\n");
    files.set('service/src/leak.ts', "export const f = () => import('../../validation/validate.js');\n");
    files.set('keys/leak.ts', "import type { Plan } from '../plan/plan.js';\nexport type X = Plan;\n");
    files.set('gguf/a.ts', "import type { B } from './b.js';\nexport type A = B;\n");
    files.set('gguf/b.ts', "import type { A } from './a.js';\nexport type B = A;\n");
    files.set('service/src/serve.ts', "import { isEntry } from '../../contract/run-main.js';\nif (isEntry(import.meta.url)) console.log('up');\n");
    files.set('service/src/uses-entry.ts', "export { runtimeConfig } from './entries/llama-runtime.js';\n");
    expect(checkArchitecture(files)).toEqual({
      violations: [
        'contract/leak.ts → validation/rules.ts (contract/ may import nothing of the project)',
        'keys/leak.ts → plan/plan.ts (keys/ may import contract, gguf, validation)',
        'service/src/leak.ts → validation/validate.ts (service/ may import contract, gguf)',
        'service/src/serve.ts is a service entry point outside service/src/entries/',
        'service/src/uses-entry.ts → service/src/entries/llama-runtime.ts (an entry point is imported by a library file)',
      ],
      cycles: ['gguf/a.ts ↔ gguf/b.ts'],
    });
  });
});
