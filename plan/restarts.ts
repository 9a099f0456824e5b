// Whether merging restarts pods, read from the rendered pod templates: a workload whose
// `spec.template` changes is rolled by its controller. Why, from the template lines that
// change: the config checksum (the service config changed), an image, the resources, or
// another part of the pod spec, named by its keys.
import { diffLines } from './text-diff.js';
import type { PlanObject } from './objects.js';

export interface Restart {
  /** "Deployment smartbot-prod/smart-bot-service" */
  id: string;
  /** "config checksum", "image", "resources", "pod spec: containers.env" */
  why: string[];
}

/** Workloads whose controller replaces their pods when the pod template changes. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const CHECKSUM_KEY = /config-checksum$/;
const FIXED_ORDER = ['config checksum', 'image', 'resources'];

/** The pod template's lines and where they start in the object, or undefined when the lines cannot tell. */
function template(o: PlanObject): { lines: string[]; first: number } | undefined {
  const at = o.blocks.locate(['spec', 'template']);
  if (!at || at.lastLine === at.line) return undefined;
  const lines: string[] = [];
  for (let i = at.line + 1; i <= at.lastLine; i++) lines.push(o.blocks.lineText(i));
  return { lines, first: at.line + 1 };
}

function reasonOf(path: string[]): string {
  if (path.some((k) => CHECKSUM_KEY.test(k))) return 'config checksum';
  if (path.at(-1) === 'image') return 'image';
  if (path.includes('resources')) return 'resources';
  // Keys below spec.template: "spec.containers.env.value" reads as "pod spec: containers.env".
  const below = path.slice(2);
  const part = below[0] === 'spec' ? 'pod spec' : `pod ${below[0] ?? 'template'}`;
  const where = below.slice(1, 3).join('.');
  return where ? `${part}: ${where}` : part;
}

/** Why one workload's pods are replaced; empty when its pod template is the same. */
function reasons(before: PlanObject, after: PlanObject): string[] {
  const a = template(before);
  const b = template(after);
  if (!a || !b) {
    const ta = JSON.stringify((before.value.spec as { template?: unknown } | undefined)?.template);
    const tb = JSON.stringify((after.value.spec as { template?: unknown } | undefined)?.template);
    return ta === tb ? [] : ['pod template'];
  }
  const found = new Set<string>();
  let ai = 0;
  let bi = 0;
  for (const op of diffLines(a.lines, b.lines)) {
    if (op.kind === '-') found.add(reasonOf(before.blocks.keyPath(a.first + ai)));
    if (op.kind === '+') found.add(reasonOf(after.blocks.keyPath(b.first + bi)));
    if (op.kind !== '+') ai++;
    if (op.kind !== '-') bi++;
  }
  const rank = (r: string) => (FIXED_ORDER.includes(r) ? FIXED_ORDER.indexOf(r) : FIXED_ORDER.length);
  return [...found].sort((x, y) => rank(x) - rank(y) || x.localeCompare(y));
}

/** The workloads on both sides whose pods merging replaces, by id. */
export function podRestarts(base: readonly PlanObject[] | undefined, head: readonly PlanObject[] | undefined): Restart[] {
  if (!base || !head) return [];
  const before = new Map(base.filter((o) => WORKLOADS.has(o.kind)).map((o) => [o.id, o]));
  const out: Restart[] = [];
  for (const o of head) {
    const b = before.get(o.id);
    if (!b || b.text === o.text) continue;
    const why = reasons(b, o);
    if (why.length) out.push({ id: o.id, why });
  }
  return out.sort((x, y) => x.id.localeCompare(y.id));
}
