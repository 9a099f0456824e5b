// The console's metrics history: quantiles as Prometheus computes them, rates between samples,
// and a ring that never holds more than 15 minutes.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../telemetry/metrics.js';
import { histogramQuantile, MetricsHistory, pointBetween, readSample, type Sample } from './history.js';

const buckets = (counts: [number, number][]) => counts.map(([le, count]) => ({ le, count }));

describe('histogramQuantile', () => {
  it('interpolates within the bucket holding the rank, over the observations between two samples', () => {
    const before = buckets([[0.5, 10], [1, 10], [2, 10], [Infinity, 10]]);
    // 100 new observations: 50 ≤ 0.5 s, 40 in (0.5, 1], 10 in (1, 2].
    const after = buckets([[0.5, 60], [1, 100], [2, 110], [Infinity, 110]]);
    expect(histogramQuantile(0.5, before, after)).toBe(0.5);
    expect(histogramQuantile(0.7, before, after)).toBeCloseTo(0.75);
    expect(histogramQuantile(0.99, before, after)).toBeCloseTo(1.9);
  });

  it('is null without observations, and the highest finite bound when the rank is in +Inf', () => {
    const b = buckets([[1, 5], [Infinity, 5]]);
    expect(histogramQuantile(0.99, b, b)).toBeNull();
    expect(histogramQuantile(0.99, buckets([[1, 0], [Infinity, 0]]), buckets([[1, 1], [Infinity, 10]]))).toBe(1);
  });
});

describe('the history', () => {
  it('reads the registry: requests, 5xx, latency, tokens, cache, and derives the rates', async () => {
    const m = createMetrics();
    const a = await readSample(m.registry, 0);
    for (let i = 0; i < 9; i++) m.requestDuration.observe({ route: '/v1/chat/completions', method: 'POST', status: '200' }, 0.2), m.requests.inc({ route: '/v1/chat/completions', method: 'POST', status: '200' });
    m.requestDuration.observe({ route: '/v1/chat/completions', method: 'POST', status: '503' }, 3);
    m.requests.inc({ route: '/v1/chat/completions', method: 'POST', status: '503' });
    m.tokensGenerated.inc({ source: 'local' }, 50);
    m.cacheLookups.inc({ result: 'hit' }, 3);
    m.cacheLookups.inc({ result: 'miss' }, 1);
    const b = await readSample(m.registry, 5000);
    expect(b).toMatchObject({ requests: 10, errors5xx: 1, tokens: 50, cacheHits: 3, cacheMisses: 1 });
    const p = pointBetween(a, b, { cpuMillis: 1000, memoryBytes: 2 ** 40 });
    expect(p.requestsPerSecond).toBe(2);
    expect(p.errorRatePercent).toBe(10);
    expect(p.tokensPerSecond).toBe(10);
    expect(p.p50Seconds).toBeCloseTo(0.1 + 0.15 * (5 / 9));
    // Rank 9.9 falls in (2.5, 3], which holds the one slow request.
    expect(p.p99Seconds).toBeCloseTo(2.5 + 0.5 * 0.9);
  });

  it('reads the engine occupancy at the instant it samples: busy share, and busy plus waiting, % of the sequences', async () => {
    const m = createMetrics();
    let now = { busy: 3, waiting: 2, sequences: 4 };
    m.observeOccupancy(() => now);
    const a = await readSample(m.registry, 0);
    expect(a).toMatchObject({ busyRatio: 0.75, queueDepth: 2, sequences: 4 });
    now = { busy: 4, waiting: 6, sequences: 4 };
    const b = await readSample(m.registry, 5000);
    const p = pointBetween(a, b, { cpuMillis: 1000, memoryBytes: 2 ** 40 });
    expect(p.busyPercent).toBe(100);
    expect(p.loadPercent).toBe(250);
  });

  it('keeps at most 15 minutes of samples at the default rate (180 intervals), whatever the rate', () => {
    const h = new MetricsHistory(createMetrics().registry, { cpuMillis: 1000, memoryBytes: 1 }, 10);
    const s = (at: number): Sample => ({ at, requests: at, errors5xx: 0, buckets: [], tokens: 0, cacheHits: 0, cacheMisses: 0, cpuSeconds: 0, residentBytes: 0, busyRatio: 0, queueDepth: 0, sequences: 4 });
    for (let i = 0; i < 400; i++) h.add(s(i * 5000));
    expect(h.points()).toHaveLength(180);
    expect(h.points()[0]!.at).toBe(220 * 5000);
    expect(h.points()[179]!.at - h.points()[0]!.at).toBe(15 * 60_000 - 5000);
  });
});

describe('process metrics', () => {
  it('the CPU seconds of this process grow between samples', async () => {
    const m = createMetrics();
    const a = await readSample(m.registry);
    for (let t = Date.now(); Date.now() - t < 50; );
    const b = await readSample(m.registry);
    expect(b.cpuSeconds).toBeGreaterThan(a.cpuSeconds);
    expect(b.residentBytes).toBeGreaterThan(10 * 2 ** 20);
  });
});
