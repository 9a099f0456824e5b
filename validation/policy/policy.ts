// What a policy rule is: a check beyond the schema, over the merged, schema-valid parts of
// one environment. Each rule names the subtrees it reads; it runs only when the schema found
// nothing wrong there, so rules may trust the types the schema promised.
import type { Diagnostic } from '../diagnostics.js';
import type { FileSource } from '../load/repo-file.js';
import type { RuleId, RuleParams } from '../rules.js';
import type { SmartbotEnvironment } from '../../contract/environment.js';

export interface PolicyContext {
  /** The merged environment, typed. Only the subtrees in `reads` are guaranteed valid. */
  config: SmartbotEnvironment;
  /** The environment's name (its file's base name): audit log entries name it. */
  name: string;
  /** Repository root: keyring paths resolve against it. */
  root: string;
  /** Where local model files are looked up by base name. */
  modelsDir: string;
  /** false: model files are not read; the capacity check uses model.sizeBytes alone. */
  readModelFiles: boolean;
  /** existsSync, memoised for the run: a thousand environments share a few keyrings and models. */
  exists(path: string): boolean;
  /** The run's reader for files the repository names (keyrings): only what belongs to it. */
  files: FileSource;
  /** The outcome depends on this file, read by its own reader (a model file): a run that records inputs notes its identity. */
  watch(path: string): void;
  /** `rule`'s outcome holds only until `time` (ms since the epoch): a key's age limit. */
  holdsUntil(time: number, rule: RuleId): void;
  /** Report `rule` at the place `pointer` was written. */
  report<R extends RuleId>(rule: R, params: RuleParams<R>, pointer: string, prefer?: 'key' | 'value'): void;
}

export interface Policy {
  /** The catalogue ids this policy can report (for docs and tests). */
  rules: RuleId[];
  /** JSON pointers of the subtrees read; any schema error under them skips the policy. */
  reads: string[];
  check(ctx: PolicyContext): void;
}

export type { Diagnostic };
