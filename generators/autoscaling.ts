// The autoscaler: what LLM serving is limited by — busy sequences and the queue — never CPU.
// The signal, per pod, is its sequence load: the share of its sequences busy plus its queue
// over its sequences (1 = all busy, above 1 = requests waiting). Summed over the pods it is the
// demand in pods' worth of sequences, so an AverageValue target t asks for ceil(sum / t) pods:
// the same decision whatever the replica count, and no compounding while new pods load.
//   keda: a ScaledObject whose prometheus trigger sums that load (KEDA makes the HPA).
//   hpa:  an autoscaling/v2 HPA on the Pods metric smartbot_sequence_load, which
//         prometheus-adapter computes per pod with the rule rendered beside it.
// Either way: no CPU metric, scale-down one pod per drain, windows sized by the model's load.
import { METRICS } from '../contract/telemetry.js';
import type { RenderContext } from './context.js';
import { expectedLoadSeconds, terminationGraceSeconds, type ObjectFile } from './kubernetes.js';
import { RATE_WINDOW, sel } from './monitoring.js';

/** The Pods metric prometheus-adapter serves for the hpa engine. */
export const SEQUENCE_LOAD_METRIC = 'smartbot_sequence_load';
/** A pod removed costs a model load to bring back: keep it until demand has been low this long (at least 5 min, as the HPA's default). */
const MIN_SCALE_DOWN_WINDOW_SECONDS = 300;
/** The HPA API's bounds on a policy's period and on a stabilisation window. */
const MAX_POLICY_PERIOD_SECONDS = 1800;
const MAX_WINDOW_SECONDS = 3600;
/** How often KEDA asks Prometheus: the ServiceMonitor's scrape interval (the series cannot change faster). */
const POLLING_SECONDS = 15;
/** Pods a scale-up may add per model load, besides doubling: a single pod can still grow fast. */
const SCALE_UP_PODS = 4;
/** Failed queries in a row before KEDA's fallback holds the pod count. */
const FALLBACK_FAILURES = 3;

/** One pod's sequence load, over the series that `matchers` select. */
export function sequenceLoad(matchers: string): string {
  return `${METRICS.sequencesBusyRatio}${matchers} + ${METRICS.queueDepth}${matchers} / ${METRICS.sequences}${matchers}`;
}

/** The rendered trigger's query: the environment's pods' sequence load, summed. */
export function scalingQuery(ctx: RenderContext): string {
  return `sum(${sequenceLoad(sel({ namespace: ctx.namespace, service: ctx.name }))})`;
}

/** The target as the threshold the autoscaler compares each pod's share of the sum with. */
export const targetShare = (ctx: RenderContext) => String(ctx.config.autoscaling.targetBusyPercent / 100);

/**
 * The ingress controller's request rate for this environment, capped at 1: with no pod there is
 * no smartbot series, so this is what wakes a scaled-to-zero environment (one pod at most; the
 * sequence load takes over once it serves). ingress-nginx's labels as the Prometheus operator
 * scrapes them (its own `namespace` label becomes `exported_namespace`).
 */
export function wakeQuery(ctx: RenderContext): string {
  return `clamp_max(sum(rate(nginx_ingress_controller_requests${sel({ exported_namespace: ctx.namespace, ingress: ctx.name })}[${RATE_WINDOW}])), 1)`;
}

/** The HPA behaviour both engines use: scale up at once, down one pod per drain after a window a model load long. */
export function scalingBehavior(ctx: RenderContext) {
  const load = Math.min(expectedLoadSeconds(ctx), MAX_POLICY_PERIOD_SECONDS);
  return {
    scaleUp: {
      // p99 is at stake: act on the first high reading. The policies pace it by the model's load
      // time, since pods added sooner cannot have helped yet.
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Percent', value: 100, periodSeconds: load },
        { type: 'Pods', value: SCALE_UP_PODS, periodSeconds: load },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: Math.min(MAX_WINDOW_SECONDS, Math.max(MIN_SCALE_DOWN_WINDOW_SECONDS, 2 * load)),
      // One pod at a time, one drain apart: a pod being removed finishes its streams within the
      // shutdown grace (terminationGracePeriodSeconds) before the next is asked to.
      policies: [{ type: 'Pods', value: 1, periodSeconds: Math.min(MAX_POLICY_PERIOD_SECONDS, terminationGraceSeconds(ctx)) }],
    },
  };
}

function scaledObject(ctx: RenderContext): ObjectFile {
  const a = ctx.config.autoscaling;
  const prometheus = { serverAddress: a.prometheus.serverAddress };
  const triggers: object[] = [
    {
      type: 'prometheus',
      name: 'sequence-load',
      metricType: 'AverageValue',
      metadata: {
        ...prometheus,
        query: scalingQuery(ctx),
        threshold: targetShare(ctx),
        // No series at all means the pods' metrics are lost: an error, so the fallback holds the
        // pod count — except when scaled to zero, where no series is the normal idle state.
        ignoreNullValues: a.scaleToZero ? 'true' : 'false',
      },
    },
  ];
  if (a.scaleToZero) triggers.push({ type: 'prometheus', name: 'wake', metricType: 'AverageValue', metadata: { ...prometheus, query: wakeQuery(ctx), threshold: '1', ignoreNullValues: 'true' } });
  const behavior = scalingBehavior(ctx);
  const spec = {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: ctx.name },
    pollingInterval: POLLING_SECONDS,
    ...(a.scaleToZero ? { idleReplicaCount: 0, cooldownPeriod: behavior.scaleDown.stabilizationWindowSeconds } : {}),
    minReplicaCount: a.min,
    maxReplicaCount: a.max,
    // Prometheus unreachable: keep the pods there are (never shrink on a lost signal), at least min.
    fallback: { failureThreshold: FALLBACK_FAILURES, replicas: a.min, behavior: 'currentReplicasIfHigher' },
    advanced: { horizontalPodAutoscalerConfig: { behavior } },
    triggers,
  };
  return { file: 'scaledobject.yaml', template: 'scaledobject', view: { name: ctx.name, namespace: ctx.namespace, labels: ctx.labels, spec } };
}

function horizontalPodAutoscaler(ctx: RenderContext): ObjectFile {
  const a = ctx.config.autoscaling;
  const spec = {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: ctx.name },
    minReplicas: a.min,
    maxReplicas: a.max,
    metrics: [{ type: 'Pods', pods: { metric: { name: SEQUENCE_LOAD_METRIC }, target: { type: 'AverageValue', averageValue: targetShare(ctx) } } }],
    behavior: scalingBehavior(ctx),
  };
  return { file: 'hpa.yaml', template: 'hpa', view: { name: ctx.name, namespace: ctx.namespace, labels: ctx.labels, spec } };
}

/** The autoscaler object of kubernetes/, when autoscaling is on. */
export function autoscalerObjects(ctx: RenderContext): ObjectFile[] {
  const a = ctx.config.autoscaling;
  if (!a.enabled) return [];
  return [a.engine === 'keda' ? scaledObject(ctx) : horizontalPodAutoscaler(ctx)];
}

/**
 * prometheus-adapter's rule for the hpa engine: smartbot_sequence_load per pod, from the
 * service's series. The same for every environment (its matchers come from the HPA's request),
 * so a cluster's adapter needs it once, whichever environments use it.
 */
export function adapterRules(): object {
  return {
    rules: [
      {
        seriesQuery: `${METRICS.sequencesBusyRatio}{namespace!="",pod!=""}`,
        resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
        name: { matches: `^${METRICS.sequencesBusyRatio}$`, as: SEQUENCE_LOAD_METRIC },
        metricsQuery: `sum(${sequenceLoad('{<<.LabelMatchers>>}')}) by (<<.GroupBy>>)`,
      },
    ],
  };
}
