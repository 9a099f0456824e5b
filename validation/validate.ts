// The validate pipeline, in order: load YAML → layer over tier → schema → policy (+ secret
// scan of every layer). Returns every problem in every file, and the typed environments
// that passed, for the generators.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { layerEnvironment, TierCache } from './load/layers.js';
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
  /** A named path was missing or unreadable (exit code 2). */
  ioError: boolean;
}

const isYaml = (f: string) => /\.ya?ml$/.test(f);

/** The environment files a run covers, relative to root where possible. */
export function environmentFiles(root: string, paths?: string[]): string[] {
  const dir = join(root, 'environments');
  const targets = paths?.length ? paths : [dir];
  const files: string[] = [];
  for (const target of targets) {
    let isDir = false;
    try {
      isDir = statSync(target).isDirectory();
    } catch {
      // Missing paths are passed through; the loader reports them as io-missing.
    }
    if (isDir) files.push(...readdirSync(target).filter(isYaml).sort().map((f) => join(target, f)));
    else files.push(target);
  }
  return files;
}

export function validateEnvironments(opts: ValidateOptions): ValidateReport {
  const root = opts.root;
  const modelsDir = opts.modelsDir ?? join(root, 'models');
  const tiers = new TierCache(join(root, 'environments', 'tiers'));
  const scanned = new Set<YamlSource>();
  const existing = new Map<string, boolean>();
  const exists = (path: string) => existing.get(path) ?? (existing.set(path, existsSync(path)), existing.get(path)!);
  const memos = new Map<string, unknown>();
  const memo = <T>(key: string, make: () => T): T => (memos.has(key) ? (memos.get(key) as T) : (memos.set(key, make()), memos.get(key) as T));
  const environments: EnvironmentResult[] = [];
  let ioError = false;

  for (const file of environmentFiles(root, opts.paths)) {
    const name = file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    const loaded = loadYamlFile(file);
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
      diagnostics.push(...schema.diagnostics, ...runPolicies(env, schema.badPointers, { root, modelsDir, exists, memo }));
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
