// Prometheus metrics under exactly the names the rendered PrometheusRules and the autoscaler's
// query read (contract/telemetry.ts), plus prom-client's default process metrics. The series every
// request adds to are counted by request-series.ts (prom-client's own cost per call was a few
// per cent of a cached answer); the rest are prom-client's.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { DURATION_BUCKETS, METRICS } from '../../../contract/telemetry.js';
import type { DecodeStats } from '../engine/decode-loop.js';
import type { ModelDecodeStats } from '../engine/types.js';
import { RequestCounter, RequestHistogram } from './request-series.js';

/** How full the engine is at one instant: what the scaling series are read from. */
export interface Occupancy {
  /** Requests holding a sequence (decoding, or evaluating their prompt). */
  busy: number;
  /** Requests waiting for one. */
  waiting: number;
  /** The sequences decoded at once. */
  sequences: number;
}

export interface ServiceMetrics {
  registry: Registry;
  requestDuration: RequestHistogram<'route' | 'method' | 'status'>;
  requests: RequestCounter<'route' | 'method' | 'status'>;
  tokensGenerated: Counter<'source' | 'model'>;
  fallbacks: Counter<'from' | 'to' | 'reason'>;
  tokensPerSecond: Gauge;
  queueDepth: Gauge;
  sequencesBusyRatio: Gauge;
  sequences: Gauge;
  cacheLookups: RequestCounter<'result'>;
  /**
   * Where the occupancy gauges read from, at every collection (a scrape of /metrics, the
   * console's sampler): gauges set on each change would need every engine to report each change.
   */
  observeOccupancy(read: () => Occupancy): void;
  /** Where the decode series read from, at every collection: the in-process models' totals since they loaded. */
  observeDecoding(read: () => ModelDecodeStats[]): void;
}

export function createMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labels = ['route', 'method', 'status'] as const;
  let read: (() => Occupancy) | undefined;
  let decoding: (() => ModelDecodeStats[]) | undefined;
  // One reading of the engines a scrape: prom-client collects the three series one after the
  // other in one pass, and they should agree (tokens with their seconds).
  let reading: ModelDecodeStats[] | undefined;
  const decoded = (): ModelDecodeStats[] => {
    if (!reading) {
      reading = decoding?.() ?? [];
      setImmediate(() => (reading = undefined));
    }
    return reading;
  };
  type Series = [Record<string, string>, number][];
  /** A counter set from the engines' own totals at each collection (they count every batch; prom-client is not called per batch). */
  const decodeCounter = (name: string, help: string, labelNames: string[], series: (s: DecodeStats) => Series) =>
    new Counter({
      name,
      help,
      labelNames: ['model', ...labelNames],
      registers: [registry],
      collect() {
        if (!decoding) return;
        this.reset();
        for (const { model, stats } of decoded()) for (const [values, n] of series(stats)) this.inc({ model, ...values }, n);
      },
    });
  const kinds = (s: DecodeStats) => [['prompt', s.prompt] as const, ['generation', s.generation] as const];
  decodeCounter(METRICS.decodeBatches, 'Decode batches of the in-process engine, by model, batch (prompt: a sequence gave more than one token; generation: one token a sequence) and how many sequences each held.', ['batch', 'sequences'], (s) =>
    kinds(s).flatMap(([batch, t]): Series => Object.entries(t.batches).map(([sequences, n]) => [{ batch, sequences }, n])),
  );
  decodeCounter(METRICS.decodeTokens, 'Tokens the in-process engine evaluated, by model and batch (as smartbot_decode_batches_total; a prompt batch counts the other sequences\' tokens beside the prompt).', ['batch'], (s) => kinds(s).map(([batch, t]) => [{ batch }, t.tokens]));
  decodeCounter(METRICS.decodeSeconds, 'Seconds the in-process engine spent decoding, by model and batch (as smartbot_decode_batches_total).', ['batch'], (s) => kinds(s).map(([batch, t]) => [{ batch }, t.seconds]));
  return {
    registry,
    requestDuration: new RequestHistogram(METRICS.requestDuration, 'HTTP request duration in seconds.', labels, DURATION_BUCKETS, registry),
    requests: new RequestCounter(METRICS.requests, 'HTTP responses by route, method and status.', labels, registry),
    tokensGenerated: new Counter({ name: METRICS.tokensGenerated, help: 'Completion tokens generated, by source and the model that answered.', labelNames: ['source', 'model'], registers: [registry] }),
    fallbacks: new Counter({ name: METRICS.fallbacks, help: 'Requests a model handed to its fallback, by model ids and reason.', labelNames: ['from', 'to', 'reason'], registers: [registry] }),
    tokensPerSecond: new Gauge({ name: METRICS.tokensPerSecond, help: 'Generation speed of the last completed request (tokens/s).', registers: [registry] }),
    queueDepth: new Gauge({
      name: METRICS.queueDepth,
      help: 'Requests waiting for a free sequence.',
      registers: [registry],
      collect() {
        if (read) this.set(read().waiting);
      },
    }),
    sequencesBusyRatio: new Gauge({
      name: METRICS.sequencesBusyRatio,
      help: 'Share of the sequences answering a request now (0-1).',
      registers: [registry],
      collect() {
        if (!read) return;
        const o = read();
        this.set(o.sequences > 0 ? Math.min(o.busy, o.sequences) / o.sequences : 0);
      },
    }),
    sequences: new Gauge({
      name: METRICS.sequences,
      help: 'Sequences decoded at once (inference.parallelSequences).',
      registers: [registry],
      collect() {
        if (read) this.set(read().sequences);
      },
    }),
    cacheLookups: new RequestCounter(METRICS.cacheLookups, 'Response cache lookups by result.', ['result'], registry),
    observeOccupancy(r) {
      read = r;
    },
    observeDecoding(r) {
      decoding = r;
    },
  };
}
