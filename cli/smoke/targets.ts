// What `--env` names, as a SmokeConfig: a smoke.json file (the Job mounts the rendered one),
// an environment of the repository (when the full CLI supplies `fromRepository`: it needs
// validation and the generators, which the service image does not ship), or the environment's
// rendered smoke ConfigMap under rendered/<env>/.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { SmokeConfig } from '../../contract/smoke-config.js';
import { UsageError } from '../io.js';

export interface Targets {
  config: SmokeConfig;
  /** Where it came from, for the report: environments/dev.yaml, /etc/smartbot/smoke/smoke.json. */
  source: string;
  /** The environment's ports, when it was read from the repository (where /metrics is). */
  ports?: { external: number; admin?: number };
}

/** Reads environments/<env>.yaml through validation; undefined when the repository has no such file. */
export type RepositoryReader = (root: string, env: string) => Targets | undefined;

// Joined here, not through contract/paths.ts: that module finds the toolchain's schema when it
// loads, and the service image's smoke entry ships without it.
export const RENDERED_SMOKE_CONFIG = (env: string) => join('rendered', env, 'kubernetes', 'smoke-config.yaml');

const ENV_NAME = /^[a-z0-9][-a-z0-9_]*$/;

export function resolveTargets(env: string, root: string, fromRepository?: RepositoryReader): Targets {
  if (env.endsWith('.json')) return { config: parseSmokeConfig(readText(env), env), source: env };
  if (!ENV_NAME.test(env)) throw new UsageError(`--env "${env}" is neither an environment name nor a smoke.json file`);
  const fromRepo = fromRepository?.(root, env);
  if (fromRepo) return fromRepo;
  const rendered = join(root, RENDERED_SMOKE_CONFIG(env));
  if (existsSync(rendered)) return { config: fromConfigMap(rendered), source: rendered };
  const looked = [...(fromRepository ? [join(root, 'environments', `${env}.yaml`)] : []), rendered];
  const found = looked.length === 1 ? `no ${looked[0]}` : `neither ${looked.join(' nor ')}`;
  throw new UsageError(`--env ${env}: found ${found} (the rendered smoke config exists only where verify is enabled)`);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

function fromConfigMap(file: string): SmokeConfig {
  const cm = parse(readText(file)) as { data?: Record<string, unknown> } | null;
  const text = cm?.data?.['smoke.json'];
  if (typeof text !== 'string') throw new UsageError(`${file}: not a smoke ConfigMap (no data["smoke.json"]); run \`smartbot render\``);
  return parseSmokeConfig(text, `${file} (smoke.json)`);
}

/**
 * The shape check, by hand: the service image ships no schema library but ajv, and a dozen
 * fields do not need one. Each problem names the field and the file.
 */
export function parseSmokeConfig(text: string, where: string): SmokeConfig {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where}: not JSON (${(e as Error).message})`);
  }
  const problem = (field: string, want: string) => new UsageError(`${where}: \`${field}\` must be ${want}; render it again with \`smartbot render\``);
  const obj = (x: unknown, field: string) => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw problem(field, 'an object');
    return x as Record<string, unknown>;
  };
  const positive = (x: unknown, field: string) => {
    if (typeof x !== 'number' || !(x > 0)) throw problem(field, 'a positive number');
    return x;
  };
  const root = obj(v, '(top level)');
  const thresholds = obj(root.thresholds, 'thresholds');
  const load = obj(root.load, 'load');
  if (typeof root.environment !== 'string') throw problem('environment', 'a string');
  if (!Array.isArray(root.series) || !root.series.every((s) => typeof s === 'string')) throw problem('series', 'a list of metric names');
  if (root.logFormat !== 'line' && root.logFormat !== 'json') throw problem('logFormat', '"line" or "json"');
  const integer = (x: unknown, field: string) => {
    if (!Number.isInteger(positive(x, field))) throw problem(field, 'a positive integer');
    return x as number;
  };
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  const models = root.models === undefined ? undefined : root.models;
  if (models !== undefined && !(Array.isArray(models) && models.every((m) => typeof m?.id === 'string' && strings(m?.fallbacks))))
    throw problem('models', 'a list of {id, fallbacks} (several models)');
  return {
    environment: root.environment,
    ...(models ? { models: (models as { id: string; fallbacks: string[] }[]).map((m) => ({ id: m.id, fallbacks: m.fallbacks })) } : {}),
    thresholds: { p99LatencySeconds: positive(thresholds.p99LatencySeconds, 'thresholds.p99LatencySeconds'), errorRatePercent: positive(thresholds.errorRatePercent, 'thresholds.errorRatePercent') },
    series: root.series as string[],
    logFormat: root.logFormat,
    load: {
      durationSeconds: positive(load.durationSeconds, 'load.durationSeconds'),
      concurrency: integer(load.concurrency, 'load.concurrency'),
      maxRequests: integer(load.maxRequests, 'load.maxRequests'),
      maxTokens: integer(load.maxTokens, 'load.maxTokens'),
    },
  };
}
