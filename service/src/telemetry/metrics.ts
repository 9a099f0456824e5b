// Prometheus metrics under exactly the names the rendered PrometheusRules query
// (generators/model/telemetry.ts), plus prom-client's default process metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DURATION_BUCKETS, METRICS } from '../../../contract/telemetry.js';

export interface ServiceMetrics {
  registry: Registry;
  requestDuration: Histogram<'route' | 'method' | 'status'>;
  requests: Counter<'route' | 'method' | 'status'>;
  tokensGenerated: Counter<'source' | 'model'>;
  fallbacks: Counter<'from' | 'to' | 'reason'>;
  tokensPerSecond: Gauge;
  queueDepth: Gauge;
  cacheLookups: Counter<'result'>;
}

export function createMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labels = ['route', 'method', 'status'] as const;
  return {
    registry,
    requestDuration: new Histogram({ name: METRICS.requestDuration, help: 'HTTP request duration in seconds.', labelNames: labels, buckets: DURATION_BUCKETS, registers: [registry] }),
    requests: new Counter({ name: METRICS.requests, help: 'HTTP responses by route, method and status.', labelNames: labels, registers: [registry] }),
    tokensGenerated: new Counter({ name: METRICS.tokensGenerated, help: 'Completion tokens generated, by source and the model that answered.', labelNames: ['source', 'model'], registers: [registry] }),
    fallbacks: new Counter({ name: METRICS.fallbacks, help: 'Requests a model handed to its fallback, by model ids and reason.', labelNames: ['from', 'to', 'reason'], registers: [registry] }),
    tokensPerSecond: new Gauge({ name: METRICS.tokensPerSecond, help: 'Generation speed of the last completed request (tokens/s).', registers: [registry] }),
    queueDepth: new Gauge({ name: METRICS.queueDepth, help: 'Requests waiting for a free sequence.', registers: [registry] }),
    cacheLookups: new Counter({ name: METRICS.cacheLookups, help: 'Response cache lookups by result.', labelNames: ['result'], registers: [registry] }),
  };
}
