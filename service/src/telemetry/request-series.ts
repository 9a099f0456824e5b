// The per-request series (request duration, request count), counted in plain numbers and
// handed to the prom-client registry as metrics of its own when /metrics is read: prom-client's
// own Histogram and Counter convert, validate and hash the label object on every observe() and
// inc(), even through labels(), and the two calls of every request were ≈ 4 % of the service's
// CPU on the cached chat path (bench/service, "Gateway overhead", profiled). Here a caller looks
// its labelled series up once and each request adds to numbers. The exposition is prom-client's
// (the registry formats what get() returns, as for its own metrics), under the same names,
// labels and buckets.
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;
interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}
/** What prom-client's registry reads from a metric (its own metrics' get() answers the same). */
interface Exposed {
  name: string;
  help: string;
  type: 'histogram' | 'counter';
  aggregator: 'sum';
  values: Value[];
}

/** Series by their label values, in first-seen order (the exposition's order). */
class SeriesMap<T> {
  private readonly byKey = new Map<string, { labels: Labels; data: T }>();
  constructor(
    private readonly labelNames: readonly string[],
    private readonly make: () => T,
  ) {}

  /** The series of `labels` (every label name given, as prom-client requires). */
  get(labels: Labels): T {
    const key = this.labelNames.map((n) => labels[n]).join('\u0000');
    let s = this.byKey.get(key);
    if (!s) {
      for (const n of this.labelNames) if (labels[n] === undefined) throw new Error(`label "${n}" is missing`);
      this.byKey.set(key, (s = { labels: Object.fromEntries(this.labelNames.map((n) => [n, labels[n]!])), data: this.make() }));
    }
    return s.data;
  }

  entries() {
    return this.byKey.values();
  }

  clear(): void {
    this.byKey.clear();
  }
}

/** A histogram whose series are counted here; registered in `registry` under `name`. */
export class RequestHistogram<L extends string> {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly series: SeriesMap<{ counts: Float64Array; sum: number; count: number }>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly L[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    this.series = new SeriesMap(labelNames, () => ({ counts: new Float64Array(buckets.length), sum: 0, count: 0 }));
    registry.registerMetric(this as never);
  }

  /** The series of these label values: look it up once, observe on it per request. */
  labels(labels: Record<L, string>): { observe(value: number): void } {
    const s = this.series.get(labels);
    const buckets = this.buckets;
    return {
      observe(value) {
        // Buckets are counted singly here and made cumulative when read.
        const i = buckets.findIndex((le) => value <= le);
        if (i >= 0) s.counts[i]!++;
        s.sum += value;
        s.count++;
      },
    };
  }

  observe(labels: Record<L, string>, value: number): void {
    this.labels(labels).observe(value);
  }

  async get(): Promise<Exposed> {
    const values: Value[] = [];
    for (const { labels, data } of this.series.entries()) {
      let below = 0;
      this.buckets.forEach((le, i) => {
        below += data.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...labels }, value: below });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: data.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: data.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: data.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}

/** A counter whose series are counted here; registered in `registry` under `name`. */
export class RequestCounter<L extends string> {
  readonly type = 'counter' as const;
  readonly aggregator = 'sum' as const;
  private readonly series: SeriesMap<{ value: number }>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly L[],
    registry: Registry,
  ) {
    this.series = new SeriesMap(labelNames, () => ({ value: 0 }));
    registry.registerMetric(this as never);
  }

  /** The series of these label values: look it up once, count on it per request. */
  labels(labels: Record<L, string>): { inc(by?: number): void } {
    const s = this.series.get(labels);
    return {
      inc(by = 1) {
        s.value += by;
      },
    };
  }

  inc(labels: Record<L, string>, by = 1): void {
    this.labels(labels).inc(by);
  }

  async get(): Promise<Exposed> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...this.series.entries()].map(({ labels, data }) => ({ labels, value: data.value })) };
  }

  reset(): void {
    this.series.clear();
  }
}
