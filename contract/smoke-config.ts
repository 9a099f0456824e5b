// What `smartbot smoke` judges a deployment against. `smartbot render` writes it into the smoke
// ConfigMap (smoke.json, mounted into the post-sync Job); `smartbot smoke --env E` computes the
// same object from the repository. The thresholds are the environment's own alert thresholds
// (monitoring.alerts), so the smoke passes exactly when those alerts would stay quiet.

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
