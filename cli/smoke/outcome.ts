// What one `smartbot smoke` run found, and the verdict: pass only when every functional check
// passed (skips allowed) and the stress part's p99 and error rate are within the environment's
// alert thresholds. The alerts fire *above* a threshold, so equal to it still passes.
import type { SmokeConfig } from '../../contract/smoke-config.js';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface Check {
  name: string;
  status: CheckStatus;
  /** What it got: status, body facts, timings (never the token). */
  detail: string;
}

export interface Quantiles {
  p50: number;
  p99: number;
}

export interface StressResult {
  /** Wall seconds from the first request to the last answer. */
  seconds: number;
  concurrency: number;
  maxTokens: number;
  stoppedBy: 'duration' | 'max-requests';
  /** Requests that got an answer or failed. */
  requests: number;
  requestsPerSecond: number;
  /** Seconds, over every answer (as the service's request-duration histogram counts them). */
  latency: Quantiles | undefined;
  /** Seconds to the first streamed token, over streams that produced one. */
  firstToken: Quantiles | undefined;
  /** Streamed tokens (content chunks) per second, all streams together. */
  tokensPerSecond: number;
  /** Failed requests: answers other than 2xx and 429, broken streams, timeouts, refused connections. */
  errors: number;
  errorRatePercent: number;
  /** 429 answers (the queue was full): back-pressure, reported apart from the errors. */
  rateLimited: number;
  rateLimitedPercent: number;
  /** The most frequent kinds of error, "503 model_not_ready ×12". */
  errorKinds: string[];
}

export interface Verdict {
  pass: boolean;
  /** One line per figure or failure that decided it. */
  reasons: string[];
}

export interface SmokeOutcome {
  url: string;
  environment: string;
  /** Where the thresholds came from: environments/<env>.yaml, or a rendered smoke config. */
  thresholdsFrom: string;
  thresholds: SmokeConfig['thresholds'];
  functional: Check[];
  stress: StressResult | { skipped: string };
  verdict: Verdict;
}

export const ran = (s: SmokeOutcome['stress']): s is StressResult => !('skipped' in s);

/** Measured seconds as a reader wants them: "812 ms", "1.42 s". */
export const formatSeconds = (s: number) => (s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`);
/** A threshold as the environment wrote it: "2 s", "250 ms". */
export const formatLimit = (s: number) => (s < 1 ? `${+(s * 1000).toFixed(3)} ms` : `${s} s`);
export const formatPercent = (p: number) => `${p.toFixed(1)} %`;

export function verdict(functional: Check[], stress: SmokeOutcome['stress'], thresholds: SmokeConfig['thresholds']): Verdict {
  const reasons = functional.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.detail}`);
  if (!ran(stress)) return { pass: false, reasons: [...reasons, `stress: ${stress.skipped}`] };
  const p99Limit = thresholds.p99LatencySeconds;
  const errorLimit = thresholds.errorRatePercent;
  if (!stress.latency) reasons.push('stress: no request got an answer');
  else {
    const p99 = stress.latency.p99;
    reasons.push(`p99 ${formatSeconds(p99)} ${p99 <= p99Limit ? '≤' : '>'} ${formatLimit(p99Limit)}`);
  }
  const rate = stress.errorRatePercent;
  reasons.push(`error rate ${formatPercent(rate)} ${rate <= errorLimit ? '≤' : '>'} ${errorLimit} %`);
  const pass = functional.every((c) => c.status !== 'fail') && stress.latency !== undefined && stress.latency.p99 <= p99Limit && rate <= errorLimit;
  return { pass, reasons };
}
