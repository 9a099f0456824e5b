// What `smartbot smoke` judges a deployment against, derived from the environment beside
// serviceConfig() (service-config.ts). `smartbot render` writes it into the smoke ConfigMap
// (smoke.json, mounted into the post-sync Job); `smartbot smoke --env E` computes the same object
// from the repository. The thresholds are the environment's own alert thresholds
// (monitoring.alerts), so the smoke passes exactly when those alerts would stay quiet; the
// series are the ones those alerts and the autoscaler query (telemetry.ts).
import type { SmartbotEnvironment } from './environment.js';
import { modelSet } from './models.js';
import { ALERTED_SERIES, SCALING_SERIES } from './telemetry.js';

export interface SmokeConfig {
  environment: string;
  /** The verdict: measured p99 and error rate must not exceed these (the alerts fire above them). */
  thresholds: { p99LatencySeconds: number; errorRatePercent: number };
  /** Every smartbot_* series the environment's PrometheusRule and autoscaler query: /metrics must carry each. */
  series: string[];
  /** The service's log format (logging.format), for the log-line check. */
  logFormat: 'line' | 'json';
  /** The stress part's defaults (the environment's verify block); command-line options override them. */
  load: { durationSeconds: number; concurrency: number; maxRequests: number; maxTokens: number };
  /** An environment with several models: each is checked, and the models its fallbacks name. */
  models?: { id: string; fallbacks: string[] }[];
}

/** Where the Job mounts the smoke ConfigMap, and the key (file name) it holds. */
export const SMOKE_CONFIG = { dir: '/etc/smartbot/smoke', file: 'smoke.json' } as const;

/** Replies in the stress part are cut at this many tokens (or the server's lower limit). */
export const STRESS_MAX_TOKENS = 64;

/** "30s" | "2m" | "1500ms" → seconds; undefined when it is not such a duration. */
export function parseDurationSeconds(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}

/** What the smoke judges an environment against: the same object render writes and `smoke --env` computes. */
export function smokeConfig(name: string, env: SmartbotEnvironment): SmokeConfig {
  const { monitoring, verify, inference, logging } = env;
  const set = modelSet(env);
  return {
    environment: name,
    thresholds: { p99LatencySeconds: monitoring.alerts.p99LatencySeconds.threshold, errorRatePercent: monitoring.alerts.errorRatePercent.threshold },
    // container_* and kube_* series come from the kubelet and kube-state-metrics, not the service.
    // The autoscaler's series too: a deployment missing one is not scaled.
    series: [...Object.values(ALERTED_SERIES), ...(env.autoscaling.enabled ? SCALING_SERIES : [])].sort(),
    logFormat: logging.format,
    load: {
      durationSeconds: durationSeconds(verify.duration),
      concurrency: verify.concurrency,
      maxRequests: verify.maxRequests,
      maxTokens: Math.min(STRESS_MAX_TOKENS, inference.maxTokens),
    },
    ...(set.several ? { models: set.models.map((m) => ({ id: m.id, fallbacks: m.fallbacks ?? [] })) } : {}),
  };
}

/** verify.duration in seconds; the schema's pattern admits only durations parseDurationSeconds reads. */
export function durationSeconds(text: string): number {
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined) throw new Error(`verify.duration "${text}" is not a duration`);
  return seconds;
}
