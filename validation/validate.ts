// The validate pipeline, in order: load YAML → layer over tier → schema → policy (+ secret
// scan of every layer). Returns every problem in every file, and the typed environments
// that passed, for the generators.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { hasErrors, report, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { layerEnvironment, TierCache } from './load/layers.js';
import { DEFAULT_MAX_FILE_BYTES, isInside, RepoFiles } from './load/repo-file.js';
import { loadYamlFile, type YamlSource } from './load/yaml-source.js';
import type { SmartbotEnvironment } from '../contract/environment.js';
import { runPolicies } from './policy/index.js';
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
}

export interface ValidateReport {
  environments: EnvironmentResult[];
  /** All diagnostics, sorted by file and position. */
  diagnostics: Diagnostic[];
  /** A named path was missing or unreadable, or named no environments (exit code 2). */
  ioError: boolean;
}

const isYaml = (f: string) => /\.ya?ml$/.test(f);

/** An environment file to read, and what it is confined to (see RepoFiles.read). */
interface Target {
  file: string;
  within: string;
}

/**
 * The environment files a run covers. A named path ending in .yaml is a file, whatever it
 * turns out to be (a directory called x.yaml is refused, not searched); other directories are
 * listed. Files named outside the root are confined to what was named.
 */
function environmentTargets(root: string, paths?: string[]): { targets: Target[]; empty: string[] } {
  const named = paths?.length ? paths : [join(root, 'environments')];
  const targets: Target[] = [];
  const empty: string[] = [];
  for (const path of named) {
    let isDir = false;
    try {
      isDir = !isYaml(path) && statSync(path).isDirectory();
    } catch {
      // Missing paths are passed through; the reader reports them as io-missing.
    }
    const within = isInside(resolve(path), resolve(root)) ? root : isDir ? path : dirname(path);
    if (!isDir) {
      targets.push({ file: path, within });
      continue;
    }
    const files = readdirSync(path).filter(isYaml).sort();
    if (files.length === 0) empty.push(path);
    targets.push(...files.map((f) => ({ file: join(path, f), within })));
  }
  return { targets, empty };
}

export function validateEnvironments(opts: ValidateOptions): ValidateReport {
  const root = opts.root;
  const modelsDir = opts.modelsDir ?? join(root, 'models');
  const files = new RepoFiles(root, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const tiers = new TierCache(join(root, 'environments', 'tiers'), files);
  const scanned = new Set<YamlSource>();
  const existing = new Map<string, boolean>();
  const exists = (path: string) => existing.get(path) ?? (existing.set(path, existsSync(path)), existing.get(path)!);
  const environments: EnvironmentResult[] = [];
  let ioError = false;

  const { targets, empty } = environmentTargets(root, opts.paths);
  for (const path of empty) {
    ioError = true;
    environments.push({ file: path, name: path, diagnostics: [report('io-no-environments', { path }, { file: path, line: 1, col: 1 })] });
  }
  for (const { file, within } of targets) {
    const name = file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    const loaded = loadYamlFile(file, files, within);
    if (!loaded.ok) {
      ioError ||= Boolean(loaded.io);
      environments.push({ file, name, diagnostics: loaded.diagnostics });
      continue;
    }
    const diagnostics: Diagnostic[] = [];
    const layered = layerEnvironment(loaded.source, tiers);
    diagnostics.push(...layered.diagnostics);
    const env = layered.env;
    // Secrets are scanned per written file, even when the environment cannot be merged.
    for (const layer of env?.layers ?? [loaded.source]) {
      if (scanned.has(layer)) continue; // tier files: once per run
      scanned.add(layer);
      diagnostics.push(...scanSecrets(layer));
    }
    if (env) {
      const schema = checkSchema(env);
      diagnostics.push(...schema.diagnostics, ...runPolicies(env, schema.badPointers, { root, modelsDir, readModelFiles: opts.readModelFiles ?? true, exists, files }));
    }
    sortDiagnostics(diagnostics);
    const ok = env !== undefined && !hasErrors(diagnostics);
    environments.push({
      file,
      name,
      diagnostics,
      ...(ok ? { config: env.value as unknown as SmartbotEnvironment } : {}),
    });
  }
  const diagnostics = sortDiagnostics(environments.flatMap((e) => e.diagnostics));
  return { environments, diagnostics, ioError };
}
