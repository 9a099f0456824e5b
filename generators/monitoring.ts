// The PrometheusRule: one alert per environment threshold, each reading the metric names the
// service registers (model/telemetry.ts). A threshold appears in exactly one expression and
// nowhere else (annotations name no numbers), so a threshold change is a one-line diff.
import { ALERTED_SERIES, CONTAINER_METRICS } from '../contract/telemetry.js';
import type { RenderContext } from './context.js';

/** Window for rate(): ≥ 4 scrapes at the ServiceMonitor's 15 s interval. */
export const RATE_WINDOW = '2m';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A PromQL label selector; a value starting with `~` is a regex match. */
export const sel = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}${v.startsWith('~') ? `=~"${v.slice(1)}"` : `="${v}"`}`)
    .join(',')}}`;

export function alertRules(ctx: RenderContext): AlertRule[] {
  const a = ctx.config.monitoring.alerts;
  const container = { namespace: ctx.namespace, container: ctx.name };
  const service = { namespace: ctx.namespace, service: ctx.name };
  const labels = { severity: 'warning', environment: ctx.env };
  const limit = (resource: string) => `sum by (pod) (${CONTAINER_METRICS.limits}${sel({ ...container, resource })})`;
  return [
    {
      alert: 'SmartbotHighCPU',
      expr: `sum by (pod) (rate(${CONTAINER_METRICS.cpu}${sel(container)}[${RATE_WINDOW}])) / ${limit('cpu')} * 100 > ${a.cpuPercent.threshold}`,
      for: a.cpuPercent.for,
      labels,
      annotations: { summary: 'smartbot pod {{ $labels.pod }} is near its CPU limit' },
    },
    {
      alert: 'SmartbotHighMemory',
      expr: `sum by (pod) (${CONTAINER_METRICS.memory}${sel(container)}) / ${limit('memory')} * 100 > ${a.memoryPercent.threshold}`,
      for: a.memoryPercent.for,
      labels: { ...labels, severity: 'critical' },
      annotations: { summary: 'smartbot pod {{ $labels.pod }} is near its memory limit' },
    },
    {
      alert: 'SmartbotHighLatencyP99',
      expr: `histogram_quantile(0.99, sum by (le) (rate(${ALERTED_SERIES.latencyBuckets}${sel(service)}[${RATE_WINDOW}]))) > ${a.p99LatencySeconds.threshold}`,
      for: a.p99LatencySeconds.for,
      labels,
      annotations: { summary: 'smartbot P99 request latency is too high' },
    },
    {
      alert: 'SmartbotHighErrorRate',
      expr: `sum(rate(${ALERTED_SERIES.responses}${sel({ ...service, status: '~5..' })}[${RATE_WINDOW}])) / sum(rate(${ALERTED_SERIES.responses}${sel(service)}[${RATE_WINDOW}])) * 100 > ${a.errorRatePercent.threshold}`,
      for: a.errorRatePercent.for,
      labels: { ...labels, severity: 'critical' },
      annotations: { summary: 'smartbot answers too many requests with 5xx' },
    },
  ];
}

export function prometheusRuleSpec(ctx: RenderContext): object {
  return { groups: [{ name: `smartbot-${ctx.env}`, rules: alertRules(ctx) }] };
}
