// What a plan holds: the JSON artifact's shape (`smartbot plan --format json`, read back by
// `smartbot pr-comment`), and what the text and markdown forms are made from.
import type { Diagnostic } from '../validation/diagnostics.js';
import type { Commit } from './git.js';
import type { FieldChange } from './model-diff.js';
import type { ObjectDiff } from './objects.js';
import type { PruneReport } from './prune.js';
import type { Restart } from './restarts.js';
import type { RiskFlag } from './risks.js';

export type EnvironmentStatus = 'added' | 'removed' | 'changed' | 'renamed';

export interface HeadValidation {
  valid: boolean;
  errors: number;
  warnings: number;
  /** Repository-relative locations; secrets masked. */
  diagnostics: Diagnostic[];
}

/** What merging does to one environment, in that environment's own names. */
export interface EnvironmentChange {
  name: string;
  status: EnvironmentStatus;
  renamedFrom?: string;
  /** The changed files that reach this environment. */
  because: string[];
  fields: FieldChange[];
  /** Absent when a side could not be rendered (objectsNote says why). */
  objects?: ObjectDiff;
  objectsNote?: string;
  prune?: PruneReport;
  /** Workloads whose pods merging replaces, and why; empty when none. */
  restarts: Restart[];
  /** The head's validation; absent for a removed environment. */
  validation?: HeadValidation;
  risks: RiskFlag[];
}

/**
 * Environments whose change is the same up to their own name and namespace: the field diff,
 * the changed lines of every object, prune list, restarts, validation and risks. The details
 * are those of the first environment (`environments[0]`); every name is listed.
 */
export interface ChangeGroup extends Omit<EnvironmentChange, 'name'> {
  /** Sorted; the details below are shown for the first. */
  environments: string[];
}

export interface PlanRisk extends RiskFlag {
  /** Every environment it concerns, sorted. */
  environments: string[];
}

export interface Plan {
  /** 2: grouped (1 listed every environment on its own). */
  version: 2;
  base: Commit;
  head: Commit;
  /** Blocking first, then invalid, risky and restarting groups, then the largest. */
  groups: ChangeGroup[];
  /** Reached by a changed file, but nothing about them changes. */
  unchanged: string[];
  /** Every risk once, with the environments it concerns (grouped like the changes). */
  risks: PlanRisk[];
  summary: {
    /** Environments that change. */
    environments: number;
    groups: number;
    invalid: number;
    /** Environments whose pods merging replaces. */
    restarts: number;
    risks: number;
    blocking: number;
  };
}

export const planExitCode = (p: Plan): 0 | 1 => (p.summary.invalid > 0 || p.summary.blocking > 0 ? 1 : 0);
