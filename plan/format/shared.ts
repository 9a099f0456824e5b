// What the text and markdown forms of a plan share: the summary line and verdict, how a group
// and its names read, and the layout that keeps a plan under a size limit by construction.
//
// Each group can be shown at four levels of detail, richest first:
//   1 full diffs · 2 per-object summary · 3 per-field summary · 4 names and counts only.
// Level 4 is bounded (a few names, counts), so the summary, the risks (at most MAX_RISK_ROWS)
// and every group at level 4 — or as many as fit, then one line for the rest — always fit.
// What is left is spent in order of importance: each group gets the richest level that fits.
// A footer says how much was shown at which level and where the whole plan is.
import { plural } from '../../validation/format/format.js';
import { showValue, type FieldChange } from '../model-diff.js';
import type { ChangeGroup, Plan, PlanRisk } from '../types.js';

export type Level = 1 | 2 | 3 | 4;
export const LEVEL_NAMES: Record<Level, string> = { 1: 'full diffs', 2: 'per-object summaries', 3: 'per-field summaries', 4: 'names and counts only' };

/** Risks listed before "and N more". */
export const MAX_RISK_ROWS = 25;
/** Names shown for a group or a risk before "and N more". */
export const SAMPLE_NAMES = 3;
/** Rows of one list (fields, objects, diagnostics) shown in a group before "and N more". */
export const MAX_LIST_ROWS = 40;
/** Longest name or value shown in a summary; a longer one ends in "…". */
export const MAX_SHOWN_CHARS = 120;

/** At most MAX_LIST_ROWS rows, then a line saying how many more. */
export const bounded = (rows: string[], more: (n: number) => string) => (rows.length > MAX_LIST_ROWS ? [...rows.slice(0, MAX_LIST_ROWS), more(rows.length - MAX_LIST_ROWS)] : rows);

export const short = (sha: string) => sha.slice(0, 7);
export const where = (s: { file: string; line: number }) => `${s.file}:${s.line}`;
export const count = (n: number) => n.toLocaleString('en-US');
export const counted = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
export const clip = (s: string, max = MAX_SHOWN_CHARS) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** "env-00001, env-00002, env-00003 and 6,663 more": names already made safe by `show`. */
export function sample(names: readonly string[], show: (s: string) => string, n = SAMPLE_NAMES): string {
  const shown = names.slice(0, n).map((x) => show(clip(x)));
  return names.length > n ? `${shown.join(', ')} and ${count(names.length - n)} more` : shown.join(', ');
}

/** "prod", or "6,666 environments". */
export const groupTitle = (g: ChangeGroup, show: (s: string) => string) => (g.environments.length === 1 ? show(clip(g.environments[0]!)) : counted(g.environments.length, 'environment'));

export function statusText(g: Pick<ChangeGroup, 'status' | 'renamedFrom'>): string {
  if (g.status === 'renamed') return `renamed from ${g.renamedFrom}`;
  return g.status;
}

/** "6,667 environments change, in 2 groups (6,666 changed, 1 added) · 6,667 restart pods · 2 risks, 1 blocking · head valid" */
export function headline(plan: Plan): string {
  const s = plan.summary;
  const reached = plan.unchanged.length ? ` (${count(plan.unchanged.length)} reached, none differs)` : '';
  if (s.environments === 0) return `no environment changes${reached}`;
  const byStatus = new Map<string, number>();
  for (const g of plan.groups) byStatus.set(g.status, (byStatus.get(g.status) ?? 0) + g.environments.length);
  const statuses = [...byStatus].map(([k, n]) => `${count(n)} ${k}`).join(', ');
  const parts = [`${counted(s.environments, 'environment')}${s.groups > 1 && s.groups < s.environments ? ` in ${count(s.groups)} groups` : ''} (${statuses})`];
  if (s.restarts) parts.push(`${counted(s.restarts, "environment")} restart${s.restarts === 1 ? "s" : ""} pods`);
  parts.push(s.risks === 0 ? 'no risks' : `${plural(s.risks, 'risk')}${s.blocking ? `, ${s.blocking} blocking` : ''}`);
  parts.push(s.invalid ? `head invalid in ${counted(s.invalid, 'environment')}` : 'head valid');
  if (plan.unchanged.length) parts.push(`${count(plan.unchanged.length)} reached, unchanged`);
  return parts.join(' · ');
}

/** The verdict line. */
export function verdict(plan: Plan): string {
  const s = plan.summary;
  const why = [s.blocking ? plural(s.blocking, 'blocking risk') : '', s.invalid ? `${counted(s.invalid, 'environment')} invalid` : ''].filter(Boolean);
  return why.length ? `✖ ${why.join(' and ')}` : `✔ nothing blocks this change${s.risks ? ` (${plural(s.risks, 'risk')} to review)` : ''}`;
}

export const fromText = (c: FieldChange) => `${c.tierDefault ? 'tier default, ' : ''}${where(c.source)}`;
/** "2 → 3"; a value whose type changes is shown quoted when a string (3 → "two"). */
export function arrow(c: FieldChange): string {
  const retyped = c.before !== undefined && c.after !== undefined && typeof c.before !== typeof c.after;
  const show = (v: unknown) => (retyped && typeof v === 'string' ? JSON.stringify(v) : showValue(v));
  return `${show(c.before)} → ${show(c.after)}`;
}

/** "3 changed, 1 added" of a group's objects, or why they were not compared. */
export function objectCounts(g: ChangeGroup): string {
  const o = g.objects;
  if (!o) return `objects: not compared — ${g.objectsNote}`;
  return `objects: ${o.added.length} added, ${o.removed.length} removed, ${o.changed.length} changed, ${o.unchanged} unchanged`;
}

/** "restarts pods: Deployment x/y (config checksum, image)" */
export const restartText = (r: ChangeGroup['restarts'][number]) => `${r.id} (${r.why.join(', ')})`;

/** What a plan's layout needs from an output form. */
export interface Writer {
  /** Title, verdict, summary: always shown. */
  header(plan: Plan): string;
  /** The risks table: every risk up to MAX_RISK_ROWS, then a count. */
  risks(rows: readonly PlanRisk[], more: number): string;
  group(g: ChangeGroup, level: Level, plan: Plan): string;
  /** The line standing for groups left out. */
  moreGroups(groups: number, environments: number): string;
  /** Reached, unchanged environments: a count, never a list. */
  unchanged(n: number): string;
  /** The closing lines; `note` is undefined when everything is shown in full. */
  footer(plan: Plan, note: LayoutNote | undefined): string;
}

export interface LayoutNote {
  /** Groups shown at each level. */
  levels: Record<Level, number>;
  /** Groups and their environments left out entirely (listed in the JSON plan). */
  hidden: { groups: number; environments: number };
}

/** "2 groups with full diffs, 1 as per-object summaries …" */
export function noteText(n: LayoutNote): string {
  const parts = ([1, 2, 3, 4] as Level[]).filter((l) => n.levels[l]).map((l) => `${counted(n.levels[l], 'group')} ${l === 1 ? 'with' : 'as'} ${LEVEL_NAMES[l]}`);
  if (n.hidden.groups) parts.push(`${counted(n.hidden.groups, 'group')} (${counted(n.hidden.environments, 'environment')}) not shown`);
  return parts.join(', ');
}

/** The plan in one output form, at most `limit` characters (UTF-16 code units, as GitHub counts). */
export function layout(plan: Plan, w: Writer, limit = Infinity): string {
  const headWith = (rows: number) => w.header(plan) + w.risks(plan.risks.slice(0, rows), plan.risks.length - Math.min(rows, plan.risks.length));
  let head = headWith(MAX_RISK_ROWS);
  const tail = w.unchanged(plan.unchanged.length);
  const full = plan.groups.map((g) => w.group(g, 1, plan));
  const whole = head + full.join('') + tail + w.footer(plan, undefined);
  if (whole.length <= limit) return whole;

  // The footer's longest form: every level used, and groups hidden.
  const worst: LayoutNote = { levels: { 1: 1e6, 2: 1e6, 3: 1e6, 4: 1e6 }, hidden: { groups: 1e6, environments: 1e7 } };
  const moreLine = w.moreGroups(1e6, 1e7).length;
  const fixed = tail.length + w.footer(plan, worst).length + moreLine;
  // Only a limit far below GitHub's leaves too little for every risk row: then fewer rows.
  for (let rows = MAX_RISK_ROWS - 1; rows >= 0 && head.length + fixed > limit; rows--) head = headWith(rows);
  let budget = limit - head.length - tail.length - w.footer(plan, worst).length;
  const levels: Level[] = [];
  const texts: string[] = [];
  // Names and counts for as many groups as fit, keeping room for the line about the rest.
  for (let i = 0; i < plan.groups.length; i++) {
    const t = w.group(plan.groups[i]!, 4, plan);
    const rest = i + 1 < plan.groups.length ? moreLine : 0;
    if (t.length + rest > budget) break;
    budget -= t.length;
    levels.push(4);
    texts.push(t);
  }
  const hidden = plan.groups.slice(texts.length);
  if (hidden.length) budget -= moreLine;
  // Then, in order of importance, the richest level that still fits.
  for (let i = 0; i < texts.length; i++) {
    for (const level of [1, 2, 3] as Level[]) {
      const t = level === 1 ? full[i]! : w.group(plan.groups[i]!, level, plan);
      const extra = t.length - texts[i]!.length;
      if (extra <= budget) {
        budget -= extra;
        texts[i] = t;
        levels[i] = level;
        break;
      }
    }
  }
  const note: LayoutNote = {
    levels: { 1: 0, 2: 0, 3: 0, 4: 0 },
    hidden: { groups: hidden.length, environments: hidden.reduce((n, g) => n + g.environments.length, 0) },
  };
  for (const l of levels) note.levels[l]++;
  const more = hidden.length ? w.moreGroups(note.hidden.groups, note.hidden.environments) : '';
  return head + texts.join('') + more + tail + w.footer(plan, note);
}
