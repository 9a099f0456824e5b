// The contract between the service and the monitoring the generators render: metric names,
// labels, histogram buckets and the log line format. The service registers exactly these;
// the PrometheusRules and the Fluent Bit parser query exactly these.

export const METRICS = {
  /** Histogram of request durations (seconds), labels: route, method, status. */
  requestDuration: 'smartbot_http_request_duration_seconds',
  /** Counter of responses, labels: route, method, status. */
  requests: 'smartbot_http_requests_total',
  /** Counter of generated tokens, labels: source (local | remote), model (the id that answered). */
  tokensGenerated: 'smartbot_tokens_generated_total',
  /** Counter of requests a model handed to its fallback, labels: from, to (model ids), reason (not_ready | queue_full | upstream_error | unreachable | timeout | context_length). */
  fallbacks: 'smartbot_fallbacks_total',
  /** Gauge: tokens per second of the last completed generation. */
  tokensPerSecond: 'smartbot_tokens_per_second',
  /** Gauge: requests waiting for a free sequence. */
  queueDepth: 'smartbot_queue_depth',
  /** Gauge: the share of the pod's sequences answering a request now, 0–1 (busy / sequences). */
  sequencesBusyRatio: 'smartbot_sequences_busy_ratio',
  /** Gauge: the sequences the pod decodes at once (inference.parallelSequences): the queue over it is a share too. */
  sequences: 'smartbot_sequences',
  /** Counter of response-cache hits and misses, label: result (hit | miss). */
  cacheLookups: 'smartbot_cache_lookups_total',
  /** Counter of the in-process engine's decode batches, labels: model, batch (prompt: it evaluated a prompt | generation: one new token a sequence), sequences (how many it held: whether concurrent requests decode together). */
  decodeBatches: 'smartbot_decode_batches_total',
  /** Counter of tokens the in-process engine evaluated, labels: model, batch (as decodeBatches). */
  decodeTokens: 'smartbot_decode_tokens_total',
  /** Counter of seconds the in-process engine spent decoding, labels: model, batch (as decodeTokens). */
  decodeSeconds: 'smartbot_decode_seconds_total',
} as const;

/**
 * The service's series the rendered alerts query: the latency histogram's buckets (P99) and the
 * response counter (error rate). The PrometheusRule is written from these names, and the smoke
 * checks that /metrics carries each.
 */
export const ALERTED_SERIES = { latencyBuckets: `${METRICS.requestDuration}_bucket`, responses: METRICS.requests } as const;

/** The series the rendered autoscaler's query reads (generators/autoscaling.ts sequenceLoad): busy share, queue, and sequences. */
export const SCALING_SERIES = [METRICS.sequencesBusyRatio, METRICS.queueDepth, METRICS.sequences] as const;

/** Buckets resolving the 2 s P99 alert: dense around 1–5 s. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 20, 30, 60];

/** Container metrics (cAdvisor via the kubelet, kube-state-metrics) the CPU/memory alerts read. */
export const CONTAINER_METRICS = {
  cpu: 'container_cpu_usage_seconds_total',
  memory: 'container_memory_working_set_bytes',
  limits: 'kube_pod_container_resource_limits',
} as const;

/**
 * The deployment guide's log line: `[YYYY-MM-DD HH:MM:SS] [LEVEL] message`.
 * The service's logger is tested against it; the Fluent Bit parser is rendered from it.
 */
export const LOG_LINE_PATTERN = String.raw`^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\] \[(\w+)\] (.*)$`;
export const LOG_LINE_FIELDS = ['time', 'level', 'message'] as const;

/** The same pattern with named groups (Fluent Bit / Onigmo syntax), in LOG_LINE_FIELDS order. */
export function namedLogPattern(): string {
  let i = 0;
  return LOG_LINE_PATTERN.replace(/\((?!\?)/g, () => `(?<${LOG_LINE_FIELDS[i++]}>`);
}
