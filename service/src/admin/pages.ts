// What each console page shows, as plain views for its template (templates/*.hbs escape every
// value; only the charts' SVG, built from numbers in charts.ts, is inserted as markup).
// Read-only: where an operator would act, a page names the exact command or file to change.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyState, type KeyEntry } from '../../../contract/keyring-file.js';
import { isLocal, modelSet, modelThreads } from '../../../contract/models.js';
import type { MonitoringConfig } from '../../../contract/monitoring-config.js';
import type { ServiceDeps } from '../deps.js';
import type { RoutedModel } from '../model-router.js';
import type { AuditHistory } from './audit.js';
import { overviewCharts, short, span } from './charts.js';
import { HISTORY_WINDOW_MS, type MetricsHistory } from './history.js';
import type { MonitoringSource } from './monitoring.js';

/** The Deployment's config-checksum annotation is this over the rendered runtime.json. */
export const configChecksum = (config: ServiceDeps['config']) => createHash('sha256').update(`${JSON.stringify(config, null, 2)}\n`).digest('hex');

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h ${m} min`;
  if (h > 0) return `${h} h ${m} min`;
  return m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

const utc = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, '') : '—');

type Alerts = MonitoringConfig['alerts'];
const ALERT_FIELDS: { key: keyof Alerts; label: string }[] = [
  { key: 'p99LatencySeconds', label: 'P99 latency (s)' },
  { key: 'errorRatePercent', label: 'Error rate (%)' },
  { key: 'cpuPercent', label: 'CPU (% of limit)' },
  { key: 'memoryPercent', label: 'Memory (% of limit)' },
];

/**
 * Where to change an alert threshold: the environment file, at the line that sets it when the
 * console runs in the repository (npm start) and the file sets it; otherwise the field to add
 * there (the value now comes from the tier file, which every environment of the tier shares).
 */
function thresholdEdits(env: string, alerts: Alerts | undefined, repoRoot: string | undefined) {
  if (!alerts) return [];
  const envFile = `environments/${env}.yaml`;
  const read = (file: string) => {
    try {
      return repoRoot === undefined ? undefined : readFileSync(join(repoRoot, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  const envText = read(envFile);
  const tier = envText && /^tier:\s*([\w-]+)/m.exec(envText)?.[1];
  const tierFile = tier ? `environments/tiers/${tier}.yaml` : undefined;
  const lineOf = (text: string | undefined, key: string) => {
    const i = text?.split('\n').findIndex((l) => new RegExp(`^\\s+${key}:`).test(l)) ?? -1;
    return i === -1 ? undefined : i + 1;
  };
  return ALERT_FIELDS.map(({ key, label }, i) => {
    const field = `monitoring.alerts.${key}.threshold`;
    const now = `now ${alerts[key].threshold}, for ${alerts[key].for}`;
    const inEnv = lineOf(envText, key);
    const inTier = tierFile ? lineOf(read(tierFile), key) : undefined;
    const where = inEnv ? `${envFile}:${inEnv} ${field}` : `${envFile}: add ${field}`;
    const from = !inEnv && inTier ? `; the default is ${tierFile}:${inTier}` : '';
    return { id: `cmd-threshold-${i}`, label: `${label}, ${now}${from}`, text: where };
  });
}

export interface ConsoleContext {
  deps: ServiceDeps;
  history: MetricsHistory;
  /** The thresholds and the scaling target now (re-read when their file changes). */
  monitoring: MonitoringSource;
  checksum: string;
  repoRoot: string | undefined;
}

/** One model's facts for the Overview: what it is, and — with several — its readiness, queue and fallbacks. */
async function modelFacts(deps: ServiceDeps, m: RoutedModel, several: boolean): Promise<[string, string][]> {
  const { config } = deps;
  // An engine built without its spec (tests) stands for the config's one model.
  const spec = m.spec ?? (several ? undefined : modelSet(config).models[0]);
  const locals = deps.models.list.filter((r) => r.spec && isLocal(r.spec)).length;
  const what: [string, string][] =
    spec && isLocal(spec)
      ? [
          ['Source', 'local GGUF, served by llama.cpp'],
          ['File', spec.path],
          ['sha256', `${spec.sha256.slice(0, 12)}…`],
          ['Context size', `${spec.contextSize.toLocaleString('en-US')} tokens`],
          ['Sequences', String(config.inference.parallelSequences)],
          ['Threads', String(several ? modelThreads(spec, config.threads, locals) : config.threads)],
        ]
      : [
          ['Source', 'remote, OpenAI-compatible'],
          ...(spec ? ([['Endpoint', spec.endpoint]] as [string, string][]) : []),
          ['Sequences', String(config.inference.parallelSequences)],
          ['Threads', String(config.threads)],
        ];
  if (!several) return [['Model id', m.id], ...what];
  const r = await m.engine.readiness();
  return [
    ['Model id', `${m.id}${m === deps.models.default ? ' (default: answers requests that name no model)' : ''}`],
    ['Readiness', r.ready ? 'ready' : `not ready: ${r.reason ?? 'unknown'}`],
    ['Queue depth', String(m.engine.queueDepth())],
    ['Fallbacks', m.fallbacks.length ? m.fallbacks.join(' → ') : 'none'],
    ...what,
  ];
}

export async function overviewView({ deps, history, monitoring, checksum, repoRoot }: ConsoleContext) {
  const { config, models } = deps;
  const readiness = deps.lifecycle.draining ? { ready: false, reason: 'shutting down' } : await models.default.engine.readiness();
  const several = models.list.length > 1;
  const modelViews = await Promise.all(models.list.map(async (m) => ({ id: m.id, facts: (await modelFacts(deps, m, several)).map(([name, value]) => ({ name, value })) })));
  const last = history.latest;
  const lookups = last ? last.cacheHits + last.cacheMisses : 0;
  const hitRatio = lookups > 0 ? `hit ratio ${short((last!.cacheHits / lookups) * 100)} % (${last!.cacheHits} of ${lookups} lookups)` : 'no lookups yet';
  const cache = deps.cache ? `Redis, TTL ${config.cache.redis.ttlSeconds} s, ${hitRatio}` : 'off';
  const watched = monitoring();
  const a = watched?.alerts;
  const points = history.points();
  const windowMs = Math.min(HISTORY_WINDOW_MS, Math.max(points.length, 1) * history.everyMs);
  return {
    title: 'Overview',
    environment: config.environment,
    version: config.service.version,
    checksum,
    ready: readiness.ready,
    notReadyReason: readiness.ready ? '' : (readiness.reason ?? 'unknown'),
    uptime: formatDuration(Date.now() - deps.startedAt),
    queueDepth: models.queueDepth(),
    busySequences: `${models.busySequences()} of ${models.list.length * config.inference.parallelSequences}`,
    scaling: watched?.autoscaling ? `scale-up target ${watched.autoscaling.targetBusyPercent} % busy` : 'not autoscaled',
    cache,
    several,
    models: modelViews,
    sampleSeconds: short(history.everyMs / 1000),
    sampleCount: points.length,
    covered: span(windowMs),
    charts: overviewCharts(
      points,
      {
        ...(a ? { p99Seconds: a.p99LatencySeconds.threshold, errorRatePercent: a.errorRatePercent.threshold, cpuPercent: a.cpuPercent.threshold, memoryPercent: a.memoryPercent.threshold } : {}),
        ...(watched?.autoscaling ? { targetBusyPercent: watched.autoscaling.targetBusyPercent } : {}),
      },
      windowMs,
    ),
    thresholdEdits: thresholdEdits(config.environment, a, repoRoot),
  };
}

/** A shell-safe word: key ids and environment names are [a-z0-9._-]; anything else is quoted. */
const sh = (s: string) => (/^[\w.-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function keysView(deps: ServiceDeps) {
  const env = sh(deps.config.environment);
  const now = Date.now();
  const keys = (deps.keyring?.list() ?? []).map((k: KeyEntry, i) => {
    const state = keyState(k, now);
    const status = state === 'expired' ? 'expired' : state === 'not-yet-valid' ? `${k.status} (from ${utc(k.notBefore)})` : k.status;
    const actions = [];
    if (k.status === 'active' && state === 'valid') actions.push({ id: `cmd-rotate-${i}`, text: `npx smartbot keys rotate --env ${env} --id ${sh(k.name)} --overlap 24h --reason "…"` });
    if (k.status !== 'revoked' && state !== 'expired') actions.push({ id: `cmd-revoke-${i}`, text: `npx smartbot keys revoke --env ${env} --id ${sh(k.id)} --reason "…"` });
    return { id: k.id, scopes: k.scopes.join(', '), status, statusClass: state === 'expired' ? 'expired' : k.status, created: utc(k.created), expires: utc(k.expires), actions };
  });
  return { title: 'Keys', keyCount: keys.length, keys, createCommand: `npx smartbot keys create --env ${env} --id NAME --scope chat --reason "…"` };
}

const AUDIT_SHOWN = 50;

export async function auditView(deps: ServiceDeps, audit: AuditHistory | undefined) {
  const env = deps.config.environment;
  const view = await audit?.read();
  const base = { title: 'Audit', environment: env, logCommand: `npx smartbot keys log --env ${sh(env)}`, verifyCommand: 'npx smartbot keys verify' };
  if (!view) return { ...base, present: false };
  const mine = view.entries.filter((e) => e.env === env);
  const entries = mine.slice(-AUDIT_SHOWN).reverse().map((e) => ({ ...e, ts: utc(e.ts) }));
  const first = view.problems[0];
  const count = view.problems.length + view.omitted + (view.workflowKeyProblem ? 1 : 0);
  const firstText = first
    ? `the first at line ${first.line}: ${first.rule} (seq ${'seq' in first.params ? first.params.seq : '?'})`
    : `audit/workflow-key.pub is not a workflow key: ${view.workflowKeyProblem}`;
  return {
    ...base,
    present: true,
    file: 'audit/key-rotations.jsonl',
    total: mine.length,
    shown: entries.length,
    entries,
    verdictClass: count ? 'broken' : 'good',
    verdict: count ? '✖ The key history does not verify.' : '✔ The key history verifies.',
    verdictDetail: count
      ? `${count} problem${count === 1 ? '' : 's'}; ${firstText}. Run keys verify for the details and the fix.`
      : `${view.entries.length} entries, hash chain intact, ${view.signed} signed.`,
  };
}

/** Field names whose string values are secret (the config names Secrets, but a value could slip in). */
const SECRET_FIELD = /pass(word)?|secret(?!Ref|sDir)|token|api[-_]?key|private[-_]?key|credential/i;

/** The config with secret-named string values and URL passwords replaced. */
export function redactConfig(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET_FIELD.test(key)) return '‹redacted›';
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:)[^/@\s]*@/i, '$1‹redacted›@');
  }
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  return value;
}

export function configView(deps: ServiceDeps, monitoring: MonitoringSource, localChanges: boolean) {
  const env = deps.config.environment;
  const watched = monitoring();
  return {
    title: 'Config',
    localChanges,
    envFile: `environments/${env}.yaml`,
    renderCommand: `npx smartbot render --env ${sh(env)}`,
    configJson: JSON.stringify(redactConfig(deps.config), null, 2),
    monitoringFrom: deps.config.monitoringFile ?? `environments/${env}.yaml, read at start`,
    monitoringJson: watched ? JSON.stringify(watched, null, 2) : '',
  };
}
