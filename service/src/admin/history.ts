// The last 15 minutes of the service's own metrics, for the console's charts: every few seconds
// the prom-client registry is read (never changed: the metric definitions belong to
// telemetry/metrics.ts) into a bounded ring of cumulative samples; the series are the
// differences between neighbouring samples, as Prometheus's rate() would draw them.
import type { Registry } from 'prom-client';
import { METRICS } from '../../../contract/telemetry.js';

export const HISTORY_WINDOW_MS = 15 * 60 * 1000;
export const SAMPLE_EVERY_MS = 5000;
/** The ring's size: 15 minutes at the default rate. A faster rate (tests, benchmarks) covers less time, never more memory. */
export const HISTORY_SAMPLES = HISTORY_WINDOW_MS / SAMPLE_EVERY_MS + 1;

/** Cumulative counters at one instant (gauges as they were). */
export interface Sample {
  at: number;
  requests: number;
  errors5xx: number;
  /** Request-duration histogram, cumulative count per upper bound (the last is +Inf). */
  buckets: { le: number; count: number }[];
  tokens: number;
  cacheHits: number;
  cacheMisses: number;
  cpuSeconds: number;
  residentBytes: number;
  /** The scaling series at that instant: busy share (0–1), queue depth, sequences. */
  busyRatio: number;
  queueDepth: number;
  sequences: number;
}

/** One point per sample interval; null where nothing was measured (no requests: no latency). */
export interface Point {
  at: number;
  requestsPerSecond: number;
  p50Seconds: number | null;
  p99Seconds: number | null;
  errorRatePercent: number | null;
  tokensPerSecond: number;
  cpuPercent: number;
  memoryPercent: number;
  /** Sequences busy, % of them; and busy plus waiting (the autoscaler's signal), % of them. */
  busyPercent: number;
  loadPercent: number;
}

type Values = { value: number; labels: Record<string, string | number>; metricName?: string }[];

async function values(registry: Registry, name: string): Promise<Values> {
  const m = registry.getSingleMetric(name);
  return m ? ((await m.get()).values as Values) : [];
}
const sum = (vs: Values, keep: (v: Values[number]) => boolean = () => true) => vs.reduce((n, v) => (keep(v) ? n + v.value : n), 0);

/** Reads one sample from the registry. */
export async function readSample(registry: Registry, at = Date.now()): Promise<Sample> {
  // prom-client updates the CPU counters (user, system and their total) when the user counter is
  // collected: read it first, then the total is current.
  await values(registry, 'process_cpu_user_seconds_total');
  const [requests, duration, tokens, cache, cpu, rss, busy, queue, sequences] = await Promise.all(
    [
      METRICS.requests,
      METRICS.requestDuration,
      METRICS.tokensGenerated,
      METRICS.cacheLookups,
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      METRICS.sequencesBusyRatio,
      METRICS.queueDepth,
      METRICS.sequences,
    ].map((n) => values(registry, n)),
  );
  // The histogram's buckets summed over routes, methods and statuses (`sum by (le)`).
  const byLe = new Map<number, number>();
  for (const v of duration!) if (v.metricName?.endsWith('_bucket')) {
    const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + v.value);
  }
  return {
    at,
    requests: sum(requests!),
    errors5xx: sum(requests!, (v) => String(v.labels.status).startsWith('5')),
    buckets: [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le),
    tokens: sum(tokens!),
    cacheHits: sum(cache!, (v) => v.labels.result === 'hit'),
    cacheMisses: sum(cache!, (v) => v.labels.result === 'miss'),
    cpuSeconds: sum(cpu!),
    residentBytes: sum(rss!),
    busyRatio: sum(busy!),
    queueDepth: sum(queue!),
    sequences: sum(sequences!),
  };
}

/**
 * The q-quantile of the observations between two cumulative histograms, interpolated within
 * its bucket as Prometheus's histogram_quantile() does (so the chart and the P99 alert agree);
 * above the last finite bound it is that bound. prom-client computes no quantiles of histograms.
 */
export function histogramQuantile(q: number, before: Sample['buckets'], after: Sample['buckets']): number | null {
  const prev = new Map(before.map((b) => [b.le, b.count]));
  const delta = after.map((b) => ({ le: b.le, count: b.count - (prev.get(b.le) ?? 0) }));
  const total = delta[delta.length - 1]?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of delta) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lower;
      const inBucket = b.count - below;
      return inBucket <= 0 ? b.le : lower + (b.le - lower) * ((rank - below) / inBucket);
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}

/** The point between two samples, against the pod's limits. */
export function pointBetween(a: Sample, b: Sample, limits: { cpuMillis: number; memoryBytes: number }): Point {
  const seconds = Math.max((b.at - a.at) / 1000, 1e-3);
  const requests = b.requests - a.requests;
  return {
    at: b.at,
    requestsPerSecond: requests / seconds,
    p50Seconds: histogramQuantile(0.5, a.buckets, b.buckets),
    p99Seconds: histogramQuantile(0.99, a.buckets, b.buckets),
    errorRatePercent: requests > 0 ? ((b.errors5xx - a.errors5xx) / requests) * 100 : null,
    tokensPerSecond: (b.tokens - a.tokens) / seconds,
    cpuPercent: ((b.cpuSeconds - a.cpuSeconds) / seconds / (limits.cpuMillis / 1000)) * 100,
    memoryPercent: (b.residentBytes / limits.memoryBytes) * 100,
    // Gauges: as they were at the interval's end, as the autoscaler's query reads them.
    busyPercent: b.busyRatio * 100,
    loadPercent: (b.busyRatio + (b.sequences > 0 ? b.queueDepth / b.sequences : 0)) * 100,
  };
}

/** The sampler and its ring of HISTORY_SAMPLES samples at most. */
export class MetricsHistory {
  private readonly ring: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly limits: { cpuMillis: number; memoryBytes: number },
    readonly everyMs = SAMPLE_EVERY_MS,
  ) {}

  /** Samples now and then every `everyMs` (the timer does not keep the process alive). */
  start(): void {
    // A failed read (a collector throwing) leaves a gap in the charts; it must not end the process.
    const tick = () => void this.sample().catch(() => undefined);
    tick();
    this.timer = setInterval(tick, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sample(at = Date.now()): Promise<void> {
    this.add(await readSample(this.registry, at));
  }

  add(s: Sample): void {
    this.ring.push(s);
    if (this.ring.length > HISTORY_SAMPLES) this.ring.shift();
  }

  /** The newest sample, if any. */
  get latest(): Sample | undefined {
    return this.ring[this.ring.length - 1];
  }

  points(): Point[] {
    const out: Point[] = [];
    for (let i = 1; i < this.ring.length; i++) out.push(pointBetween(this.ring[i - 1]!, this.ring[i]!, this.limits));
    return out;
  }
}
