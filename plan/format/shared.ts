// What the text and markdown forms of a plan share: the one-line summary, field changes
// grouped across environments, and how a status or a source line reads.
import { plural } from '../../validation/format/format.js';
import { showValue, type FieldChange } from '../model-diff.js';
import type { EnvironmentPlan, Plan } from '../plan.js';

export const short = (sha: string) => sha.slice(0, 7);
export const where = (s: { file: string; line: number }) => `${s.file}:${s.line}`;

export function statusText(e: EnvironmentPlan): string {
  if (e.status === 'renamed') return `renamed from ${e.renamedFrom}`;
  return e.status;
}

/** "2 environments (1 changed, 1 added) · 3 risks, 1 blocking · head valid" */
export function headline(plan: Plan): string {
  const s = plan.summary;
  if (s.environments === 0) return plan.unchanged.length ? `no environment changes (${plan.unchanged.length} reached, none differs)` : 'no environment changes';
  const byStatus = new Map<string, number>();
  for (const e of plan.environments) byStatus.set(e.status, (byStatus.get(e.status) ?? 0) + 1);
  const parts = [`${plural(s.environments, 'environment')} (${[...byStatus].map(([k, n]) => `${n} ${k}`).join(', ')})`];
  parts.push(s.risks === 0 ? 'no risks' : `${plural(s.risks, 'risk')}${s.blocking ? `, ${s.blocking} blocking` : ''}`);
  parts.push(s.invalid ? `head invalid in ${plural(s.invalid, 'environment')}` : 'head valid');
  return parts.join(' · ');
}

/** The verdict line that ends a plan. */
export function verdict(plan: Plan): string {
  const s = plan.summary;
  const why = [s.blocking ? plural(s.blocking, 'blocking risk') : '', s.invalid ? `${plural(s.invalid, 'environment')} invalid` : ''].filter(Boolean);
  return why.length ? `✖ ${why.join(' and ')}` : `✔ nothing blocks this change${s.risks ? ` (${plural(s.risks, 'risk')} to review)` : ''}`;
}

export interface FieldGroup {
  environments: string[];
  change: FieldChange;
}

/** Identical changes (same field, values and source line) across environments, listed once. */
export function groupFields(plan: Plan): FieldGroup[] {
  const groups = new Map<string, FieldGroup>();
  for (const e of plan.environments) {
    for (const c of e.fields) {
      const key = JSON.stringify([c.path, c.before, c.after, c.source, c.tierDefault]);
      const g = groups.get(key) ?? { environments: [], change: c };
      g.environments.push(e.name);
      groups.set(key, g);
    }
  }
  return [...groups.values()];
}

export const fromText = (c: FieldChange) => `${c.tierDefault ? 'tier default, ' : ''}${where(c.source)}`;
/** "2 → 3"; a value whose type changes is shown quoted when a string (3 → "two"). */
export function arrow(c: FieldChange): string {
  const retyped = c.before !== undefined && c.after !== undefined && typeof c.before !== typeof c.after;
  const show = (v: unknown) => (retyped && typeof v === 'string' ? JSON.stringify(v) : showValue(v));
  return `${show(c.before)} → ${show(c.after)}`;
}
