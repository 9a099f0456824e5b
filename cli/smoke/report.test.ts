// The report a user reads: each figure against its threshold, the verdict and why.
import { describe, expect, it } from 'vitest';
import { verdict, type Check, type SmokeOutcome, type StressResult } from './outcome.js';
import { renderGithub, renderJson, renderText } from './report.js';

const functional: Check[] = [
  { name: 'readyz', status: 'pass', detail: '200 ready, model demo' },
  { name: 'wrong token', status: 'pass', detail: '401 invalid_api_key' },
  { name: 'log line', status: 'skip', detail: 'the logs are not reachable from here' },
];
const stress: StressResult = {
  seconds: 30.04,
  concurrency: 4,
  maxTokens: 64,
  stoppedBy: 'duration',
  requests: 120,
  requestsPerSecond: 3.99,
  latency: { p50: 0.8123, p99: 1.4249 },
  firstToken: { p50: 0.045, p99: 0.081 },
  tokensPerSecond: 190.04,
  errors: 0,
  errorRatePercent: 0,
  rateLimited: 3,
  rateLimitedPercent: 2.5,
  errorKinds: [],
};
const thresholds = { p99LatencySeconds: 2, errorRatePercent: 5 };
const outcome = (over: Partial<SmokeOutcome> = {}): SmokeOutcome => {
  const o = { url: 'http://127.0.0.1:18789', environment: 'dev', thresholdsFrom: 'environments/dev.yaml', thresholds, functional, stress, ...over };
  return { ...o, verdict: verdict(o.functional, o.stress, o.thresholds) };
};

describe('verdict', () => {
  it('passes at exactly the threshold: the alerts fire above it', () => {
    const v = verdict(functional, { ...stress, latency: { p50: 1, p99: 2 }, errorRatePercent: 5 }, thresholds);
    expect(v).toEqual({ pass: true, reasons: ['p99 2.00 s ≤ 2 s', 'error rate 5.0 % ≤ 5 %'] });
  });
  it('fails just above either threshold, and on any failed check', () => {
    expect(verdict(functional, { ...stress, latency: { p50: 1, p99: 2.001 } }, thresholds).pass).toBe(false);
    expect(verdict(functional, { ...stress, errorRatePercent: 5.01 }, thresholds)).toEqual({ pass: false, reasons: ['p99 1.42 s ≤ 2 s', 'error rate 5.0 % > 5 %'] });
    const failed = [...functional, { name: 'metrics', status: 'fail' as const, detail: 'missing smartbot_http_requests_total' }];
    expect(verdict(failed, stress, thresholds)).toEqual({ pass: false, reasons: ['metrics: missing smartbot_http_requests_total', 'p99 1.42 s ≤ 2 s', 'error rate 0.0 % ≤ 5 %'] });
  });
  it('fails when no request got an answer', () => {
    expect(verdict(functional, { ...stress, latency: undefined, errors: 4, errorRatePercent: 100 }, thresholds)).toEqual({ pass: false, reasons: ['stress: no request got an answer', 'error rate 100.0 % > 5 %'] });
  });
});

describe('renderText', () => {
  it('shows every check, every figure, each decisive one against its threshold, and the verdict', () => {
    expect(renderText(outcome())).toBe(`smartbot smoke http://127.0.0.1:18789: environment dev (thresholds from environments/dev.yaml)

functional
  ✔  readyz       200 ready, model demo
  ✔  wrong token  401 invalid_api_key
  –  log line     skipped: the logs are not reachable from here

stress: 30.0 s, 4 concurrent streaming chats (max_tokens 64), stopped by the duration
  requests               120 (4.0/s)
  latency p50            812 ms
  latency p99            1.42 s                             threshold ≤ 2 s  ✔
  error rate             0.0 % (0 errors)                   threshold ≤ 5 %  ✔
  429 share              2.5 % (3; queue full, not errors)
  first token p50 / p99  45 ms / 81 ms
  tokens/s               190.0

✔ PASS: p99 1.42 s ≤ 2 s; error rate 0.0 % ≤ 5 %; 2 of 3 functional checks passed, 1 skipped
`);
  });

  it('marks a figure over its threshold and lists the kinds of error', () => {
    const text = renderText(outcome({ thresholds: { p99LatencySeconds: 0.25, errorRatePercent: 1 }, stress: { ...stress, errors: 6, errorRatePercent: 5, errorKinds: ['503 model_not_ready ×6'] } }));
    expect(text).toContain('  latency p99            1.42 s                             threshold ≤ 250 ms  ✖\n');
    expect(text).toContain('  error rate             5.0 % (6 errors)                   threshold ≤ 1 %     ✖\n');
    expect(text).toContain('  errors by kind: 503 model_not_ready ×6\n');
    expect(text).toMatch(/\n✖ FAIL: p99 1\.42 s > 250 ms; error rate 5\.0 % > 1 %; 2 of 3 functional checks passed, 1 skipped\n$/);
  });

  it('says why the stress part was skipped', () => {
    const failed = outcome({ functional: [{ name: 'readyz', status: 'fail', detail: '503 not ready: model loading' }], stress: { skipped: 'the functional part failed' } });
    expect(renderText(failed)).toContain('\nstress: skipped (the functional part failed)\n\n✖ FAIL: readyz: 503 not ready: model loading; stress: the functional part failed; 0 of 1 functional checks passed\n');
  });
});

describe('renderJson and renderGithub', () => {
  it('json is the outcome itself', () => {
    expect(JSON.parse(renderJson(outcome()))).toEqual(outcome());
  });
  it('github: a notice for a pass, an error per failed check and for the verdict (% and newlines escaped)', () => {
    expect(renderGithub(outcome()).split('\n')[0]).toBe('::notice title=smartbot smoke::✔ PASS: p99 1.42 s ≤ 2 s; error rate 0.0 %25 ≤ 5 %25; 2 of 3 functional checks passed, 1 skipped');
    const failed = outcome({ functional: [{ name: 'metrics', status: 'fail', detail: '100% missing\nsecond line' }] });
    expect(renderGithub(failed).split('\n').slice(0, 2)).toEqual([
      '::error title=smartbot smoke::metrics: 100%25 missing\\nsecond line',
      '::error title=smartbot smoke::✖ FAIL: metrics: 100%25 missing\\nsecond line; p99 1.42 s ≤ 2 s; error rate 0.0 %25 ≤ 5 %25; 0 of 1 functional checks passed',
    ]);
  });
});
