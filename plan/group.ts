// Grouping environments by identical change. Two environments are in one group when their
// change is the same once each one's own name and namespace are replaced by placeholders: the
// field diff, the changed lines of each object (context lines and line numbers are
// presentation, and differ between environments with different files), the prune list, the
// restarts, the head's validation (without source excerpts) and the risks. A plan keeps only a
// hash of that per environment, and the details of the first environment of each group.
import { createHash } from 'node:crypto';
import type { EnvironmentChange } from './types.js';

/** The names an environment's change mentions that are its own, by role. */
export interface OwnNames {
  name: string;
  renamedFrom?: string | undefined;
  namespaces: (string | undefined)[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces the environment's own names with placeholders of their role. A name counts where
 * it stands alone: not inside a longer word, and not after a dot (`smartbot.dev/…` is an
 * annotation key, not the environment dev).
 */
export function normaliser(own: OwnNames): (text: string) => string {
  const roles = new Map<string, string[]>();
  const add = (token: string | undefined, role: string) => {
    if (!token) return;
    roles.set(token, [...(roles.get(token) ?? []), role]);
  };
  add(own.name, 'env');
  add(own.renamedFrom, 'from');
  for (const ns of new Set(own.namespaces)) add(ns, 'namespace');
  if (roles.size === 0) return (t) => t;
  const tokens = [...roles.keys()].sort((a, b) => b.length - a.length);
  const re = new RegExp(`(?<![A-Za-z0-9_.])(?:${tokens.map(escape).join('|')})(?![A-Za-z0-9_])`, 'g');
  return (text) => text.replace(re, (m) => `<${roles.get(m)!.join('+')}>`);
}

const CHANGED_LINE = /^[-+](?![-+]{2} )/;

/** The change as it is compared: what a reader would see differ between two environments. */
function shape(c: EnvironmentChange): unknown {
  const o = c.objects;
  return {
    status: c.status,
    renamedFrom: c.renamedFrom,
    because: c.because,
    fields: c.fields,
    objects: o && {
      added: o.added,
      removed: o.removed,
      changed: o.changed.map((x) => ({ id: x.id, file: x.file, redacted: x.redacted, lines: x.diff.split('\n').filter((l) => CHANGED_LINE.test(l)) })),
    },
    objectsNote: c.objectsNote,
    prune: c.prune,
    restarts: c.restarts,
    validation: c.validation && { ...c.validation, diagnostics: c.validation.diagnostics.map(({ source: _excerpt, ...d }) => d) },
    risks: c.risks,
  };
}

/** The group an environment's change belongs to: a hash of its normalised shape. */
export function changeSignature(c: EnvironmentChange, own: OwnNames): string {
  return createHash('sha256').update(normaliser(own)(JSON.stringify(shape(c)))).digest('hex').slice(0, 32);
}

/** Risks are grouped the same way across groups: by id, normalised reason and source. */
export function riskKeys(c: EnvironmentChange, own: OwnNames): string[] {
  const norm = normaliser(own);
  return c.risks.map((r) => norm(JSON.stringify([r.id, r.reason, r.source ?? null])));
}
