// The validate pipeline, in order: load YAML → layer over tier → schema → policy (+ secret
// scan of every layer). Returns every problem in every file, and the typed environments
// that passed, for the generators.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasErrors, registerSource, releaseSource, report, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { layerEnvironment, TierCache, type LayeredEnvironment } from './load/layers.js';
import { DEFAULT_MAX_FILE_BYTES, RepoFiles, type FileSource } from './load/repo-file.js';
import { loadYamlFile, type RecentParses, type YamlSource } from './load/yaml-source.js';
import type { SmartbotEnvironment } from '../contract/environment.js';
import { environmentNameFromFile, LAYOUT } from '../contract/paths.js';
import { InputObserver, InputRecorder, type EnvironmentInputs } from './inputs.js';
import { runPolicies } from './policy/index.js';
import { environmentTargets } from './targets.js';
export { environmentTargets, type Target } from './targets.js';
import { scanSecrets } from './policy/secrets.js';
import { checkSchema } from './schema/check.js';

export interface ValidateOptions {
  /** Repository root (environments/, keyrings/ resolve against it). */
  root: string;
  /** Environment files or directories; default: every environments/*.yaml. */
  paths?: string[];
  /** Where local model files are looked up by base name; default <root>/models. */
  modelsDir?: string;
  /** Size cap for environment, tier and keyring files (--max-file-size); default 1 MiB. */
  maxFileBytes?: number;
  /** false: never read model files, size them from model.sizeBytes (`smartbot doctor` checks the file itself). */
  readModelFiles?: boolean;
}

export interface EnvironmentResult {
  file: string;
  name: string;
  diagnostics: Diagnostic[];
  /** Present when the environment has no errors. */
  config?: SmartbotEnvironment;
  /** The merged model with provenance, when it could be layered (from EnvironmentValidator; validateEnvironments drops it). */
  layered?: LayeredEnvironment;
  /** What the outcome depended on (EnvironmentValidator with recordInputs). */
  inputs?: EnvironmentInputs;
}

export interface ValidateReport {
  environments: EnvironmentResult[];
  /** All diagnostics, sorted by file and position. */
  diagnostics: Diagnostic[];
  /** A named path was missing or unreadable, or named no environments (exit code 2). */
  ioError: boolean;
}


/** One environment file read and layered (steps 1–2), ready for the schema and policies. */
export interface LoadedEnvironment {
  file: string;
  /** What the file's read was confined to (see RepoFiles.read). */
  within?: string;
  name: string;
  /** The merged model with provenance; absent when the file or its tiers cannot be read or layered. */
  layered?: LayeredEnvironment;
  /** What loading and layering found. */
  diagnostics: Diagnostic[];
  /** The file could not be read at all (exit 2 for validate). */
  io: boolean;
  /** The files scanned for secrets: every layer, or the file alone when it cannot be layered. */
  layers: YamlSource[];
}

export interface ValidatorOptions extends Omit<ValidateOptions, 'paths' | 'maxFileBytes'> {
  /** Where files are read from (default: the disk under `root`, capped at `maxFileBytes`). */
  files?: FileSource;
  maxFileBytes?: number;
  /**
   * Every environment carries the problems of the tier files it layers over (a plan groups
   * environments by what they report). Default: reported once per run, with the first.
   */
  tierProblemsEveryTime?: boolean;
  /** Shared with another validator over a file set holding mostly the same files (plan's other side). */
  parses?: RecentParses;
  /**
   * false: report errors only. Locating a warning reads its file's places in full, half of a
   * fleet's validation where local models are sized without their files; render, which only
   * asks whether anything is wrong, prints `validate`'s own report when something is.
   */
  warnings?: boolean;
  /** Record each environment's inputs (EnvironmentResult.inputs), so that a later run can tell it need not validate it again (inputsUnchanged). */
  recordInputs?: boolean;
}

/**
 * The validate pipeline for one environment at a time, sharing what a run reads once (tier
 * files, keyrings, the compiled schema). `validate` is all of it; `load` and `check` are its two
 * halves, for a caller (plan) that decides from the layered model whether to go on.
 */
export class EnvironmentValidator {
  readonly files: FileSource;
  private readonly tiers: TierCache;
  private readonly modelsDir: string;
  /** Secret findings per tier file, scanned once per run. */
  private readonly tierSecrets = new Map<YamlSource, Diagnostic[]>();
  private readonly existing = new Map<string, boolean>();
  private observer: InputObserver | undefined;

  constructor(private readonly opts: ValidatorOptions) {
    this.files = opts.files ?? new RepoFiles(opts.root, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    this.tiers = new TierCache(join(opts.root, LAYOUT.tiers), this.files, opts.tierProblemsEveryTime ?? false);
    this.modelsDir = opts.modelsDir ?? join(opts.root, LAYOUT.models);
  }

  private exists = (path: string) => this.existing.get(path) ?? (this.existing.set(path, existsSync(path)), this.existing.get(path)!);

  /** Steps 1–2: read and parse the file, layer it over its tiers. */
  load(file: string, within?: string): LoadedEnvironment {
    const name = environmentNameFromFile(file);
    const loaded = loadYamlFile(file, this.files, within, this.opts.parses);
    const confined = within === undefined ? {} : { within };
    if (!loaded.ok) return { file, ...confined, name, diagnostics: loaded.diagnostics, io: Boolean(loaded.io), layers: [] };
    const layered = layerEnvironment(loaded.source, this.tiers);
    return { file, ...confined, name, diagnostics: layered.diagnostics, io: false, layers: layered.env?.layers ?? [loaded.source], ...(layered.env ? { layered: layered.env } : {}) };
  }

  /** Steps 3–4: the secret scan of every layer, the schema and the policies. */
  check(loaded: LoadedEnvironment): EnvironmentResult {
    const { file, name, layered: env } = loaded;
    // The caret's source lines are those of this environment's own layers.
    for (const layer of loaded.layers) registerSource(layer.file, layer.text);
    const diagnostics = [...loaded.diagnostics];
    const own = loaded.layers.at(-1);
    for (const layer of loaded.layers) {
      if (layer === own) {
        diagnostics.push(...scanSecrets(layer));
        continue;
      }
      // Tier files: scanned once per run, reported once unless every environment carries them.
      const seen = this.tierSecrets.get(layer);
      if (seen && !this.opts.tierProblemsEveryTime) continue;
      const found = seen ?? scanSecrets(layer);
      this.tierSecrets.set(layer, found);
      diagnostics.push(...found);
    }
    // The environment's own file and its tiers, then whatever the policies read.
    const recorder = this.opts.recordInputs ? new InputRecorder() : undefined;
    if (recorder) for (const layer of loaded.layers) recorder.add(layer === own && loaded.within !== undefined ? ['read', layer.file, loaded.within] : ['read', layer.file]);
    if (env) {
      const schema = checkSchema(env);
      const record = recorder?.policyOptions(this.files, this.exists);
      const base = { root: this.opts.root, modelsDir: this.modelsDir, readModelFiles: this.opts.readModelFiles ?? true, exists: this.exists, files: this.files, warnings: this.opts.warnings ?? true };
      diagnostics.push(...schema.diagnostics, ...runPolicies(env, schema.badPointers, { ...base, ...record }));
    }
    sortDiagnostics(diagnostics);
    if (own) releaseSource(own.file);
    const ok = env !== undefined && !hasErrors(diagnostics);
    const inputs = recorder && { inputs: recorder.inputs, digest: this.inputObserver().digest(recorder.inputs), ...(recorder.until === undefined ? {} : { until: recorder.until }) };
    return { file, name, diagnostics, ...(env ? { layered: env } : {}), ...(ok ? { config: env.value as unknown as SmartbotEnvironment } : {}), ...(inputs ? { inputs } : {}) };
  }

  private inputObserver(): InputObserver {
    return (this.observer ??= new InputObserver(this.files, this.exists));
  }

  /**
   * Whether an environment recorded by an earlier run (with recordInputs) would validate as it
   * did then: each input as it was, the outcome still within its time, and the same file read
   * the same way. (The caller compares toolchains: a new one validates everything.)
   */
  inputsUnchanged(recorded: EnvironmentInputs, file: string, within?: string): boolean {
    const own = recorded.inputs.find((i) => i[0] === 'read' && i[1] === file);
    if (!own || own[2] !== within) return false;
    return this.inputObserver().unchanged(recorded);
  }

  validate(file: string, within?: string): EnvironmentResult {
    return this.check(this.load(file, within));
  }
}

export function validateEnvironments(opts: ValidateOptions): ValidateReport {
  const validator = new EnvironmentValidator(opts);
  const environments: EnvironmentResult[] = [];
  let ioError = false;

  const { targets, empty } = environmentTargets(opts.root, opts.paths);
  for (const path of empty) {
    ioError = true;
    environments.push({ file: path, name: path, diagnostics: [report('io-no-environments', { path }, { file: path, line: 1, col: 1 })] });
  }
  for (const { file, within } of targets) {
    const loaded = validator.load(file, within);
    ioError ||= loaded.io;
    // A run over every environment keeps only what the report needs, not each layered model.
    const checked = loaded.io ? undefined : validator.check(loaded);
    environments.push({ file, name: loaded.name, diagnostics: checked?.diagnostics ?? loaded.diagnostics, ...(checked?.config ? { config: checked.config } : {}) });
  }
  const diagnostics = sortDiagnostics(environments.flatMap((e) => e.diagnostics));
  return { environments, diagnostics, ioError };
}
