// Prometheus metrics under exactly the names the rendered PrometheusRules query
// (generators/model/telemetry.ts), plus prom-client's default process metrics. The series every
// request adds to are counted by request-series.ts (prom-client's own cost per call was a few
// per cent of a cached answer); the rest are prom-client's.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { DURATION_BUCKETS, METRICS } from '../../../contract/telemetry.js';
import { RequestCounter, RequestHistogram } from './request-series.js';

export interface ServiceMetrics {
  registry: Registry;
  requestDuration: RequestHistogram<'route' | 'method' | 'status'>;
  requests: RequestCounter<'route' | 'method' | 'status'>;
  tokensGenerated: Counter<'source'>;
  tokensPerSecond: Gauge;
  queueDepth: Gauge;
  cacheLookups: RequestCounter<'result'>;
}

export function createMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labels = ['route', 'method', 'status'] as const;
  return {
    registry,
    requestDuration: new RequestHistogram(METRICS.requestDuration, 'HTTP request duration in seconds.', labels, DURATION_BUCKETS, registry),
    requests: new RequestCounter(METRICS.requests, 'HTTP responses by route, method and status.', labels, registry),
    tokensGenerated: new Counter({ name: METRICS.tokensGenerated, help: 'Completion tokens generated.', labelNames: ['source'], registers: [registry] }),
    tokensPerSecond: new Gauge({ name: METRICS.tokensPerSecond, help: 'Generation speed of the last completed request (tokens/s).', registers: [registry] }),
    queueDepth: new Gauge({ name: METRICS.queueDepth, help: 'Requests waiting for a free sequence.', registers: [registry] }),
    cacheLookups: new RequestCounter(METRICS.cacheLookups, 'Response cache lookups by result.', ['result'], registry),
  };
}
