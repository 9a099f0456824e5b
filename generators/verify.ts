// The post-sync smoke test (the environment's `verify` block): `smartbot smoke` runs from the
// service image against the in-cluster Service after every sync.
//   Argo CD: the Job is a PostSync hook in kubernetes/; a failed smoke fails the sync.
//   Flux: the Job sits in verify/, applied by a second Kustomization that dependsOn the app's
//     and waits for the Job (generators/gitops.ts), so the smoke result is that
//     Kustomization's readiness.
// Beside it: the smoke ConfigMap (smoke.json: thresholds, series, load) and a NetworkPolicy
// that lets the Job reach the service's pods (and DNS to find them), nothing else.
import { PATHS } from '../contract/service-config.js';
import { SMOKE_CONFIG, STRESS_MAX_TOKENS, parseDurationSeconds, type SmokeConfig } from '../contract/smoke-config.js';
import { scalingQuery } from './autoscaling.js';
import { sha256, type RenderContext, type SmokeJob } from './context.js';
import { CONTAINER_SECURITY, podPorts, type ObjectFile } from './kubernetes.js';
import { alertRules } from './monitoring.js';

/** The compiled entry in the service image (containers/context.sh ships its import closure). */
const SMOKE_ENTRY = '/opt/bot/app/dist/cli/smoke.js';
/** The Job's own share: the load generator needs well under a core at these concurrencies. */
const SMOKE_RESOURCES = { cpu: '500m', memory: '256Mi' };
/** What the functional part and the last in-flight requests may take on top of the stress duration. */
const FUNCTIONAL_ALLOWANCE_SECONDS = 120;
const DNS_EGRESS = { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };

/** What the smoke judges against, from the environment: the same object `smartbot smoke --env` computes. */
export function smokeConfig(ctx: RenderContext): SmokeConfig {
  const { monitoring, verify, inference, logging } = ctx.config;
  // The series the alerts and the autoscaler read: a deployment missing one is not watched or not scaled.
  const exprs = [...alertRules(ctx).map((r) => r.expr), ...(ctx.config.autoscaling.enabled ? [scalingQuery(ctx)] : [])].join('\n');
  return {
    environment: ctx.env,
    thresholds: { p99LatencySeconds: monitoring.alerts.p99LatencySeconds.threshold, errorRatePercent: monitoring.alerts.errorRatePercent.threshold },
    // container_* and kube_* series come from the kubelet and kube-state-metrics, not the service.
    series: [...new Set(exprs.match(/\bsmartbot_\w+/g))].sort(),
    logFormat: logging.format,
    load: {
      durationSeconds: durationSeconds(verify.duration),
      concurrency: verify.concurrency,
      maxRequests: verify.maxRequests,
      maxTokens: Math.min(STRESS_MAX_TOKENS, inference.maxTokens),
    },
  };
}

function durationSeconds(text: string): number {
  const seconds = parseDurationSeconds(text);
  // The schema's pattern admits only durations this parses.
  if (seconds === undefined) throw new Error(`verify.duration "${text}" is not a duration`);
  return seconds;
}

/** Kubernetes stops the Job after this long (activeDeadlineSeconds). */
export const smokeDeadlineSeconds = (ctx: RenderContext) => durationSeconds(ctx.config.verify.duration) + FUNCTIONAL_ALLOWANCE_SECONDS;

/** The smoke objects: `kubernetes` go with the app; `verify` (Flux only) into the check Kustomization's tree. */
export function smokeObjects(ctx: RenderContext): { kubernetes: ObjectFile[]; verify: ObjectFile[] } {
  const smoke = ctx.smoke;
  if (!smoke) return { kubernetes: [], verify: [] };
  const smokeJson = `${JSON.stringify(smokeConfig(ctx), null, 2)}\n`;
  const common = { name: smoke.name, namespace: ctx.namespace, labels: smoke.labels };
  const kubernetes: ObjectFile[] = [
    { file: 'smoke-config.yaml', template: 'configmap', view: { ...common, data: [{ key: SMOKE_CONFIG.file, content: smokeJson }] } },
    {
      file: 'networkpolicy-smoke.yaml',
      template: 'networkpolicy',
      view: { ...common, selector: smoke.selector, ingress: [], egress: [{ to: [{ podSelector: { matchLabels: ctx.selector } }], ports: podPorts(ctx) }, DNS_EGRESS] },
    },
  ];
  const job: ObjectFile = { file: 'smoke-job.yaml', template: 'smoke-job', view: jobView(ctx, smoke, smokeJson) };
  return ctx.config.sync.engine === 'argocd' ? { kubernetes: [...kubernetes, job], verify: [] } : { kubernetes, verify: [job] };
}

function jobView(ctx: RenderContext, smoke: SmokeJob, smokeJson: string): object {
  const { config } = ctx;
  const host = `${ctx.name}.${ctx.namespace}.svc`;
  const url = `http://${host}:${config.ports.external}`;
  const metricsUrl = config.ports.admin === undefined ? `${url}/metrics` : `http://${host}:${config.ports.admin}/metrics`;
  const secretDir = `${PATHS.secrets}/${smoke.secretRef.name}`;
  const container = {
    name: 'smoke',
    image: config.service.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['node', SMOKE_ENTRY],
    args: ['--url', url, '--metrics-url', metricsUrl, '--token-file', `${secretDir}/${smoke.secretRef.key}`, '--env', `${SMOKE_CONFIG.dir}/${SMOKE_CONFIG.file}`],
    resources: { requests: SMOKE_RESOURCES, limits: SMOKE_RESOURCES },
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [
      { name: 'smoke-config', mountPath: SMOKE_CONFIG.dir, readOnly: true },
      { name: 'smoke-token', mountPath: secretDir, readOnly: true },
    ],
  };
  return {
    name: smoke.name,
    namespace: ctx.namespace,
    labels: smoke.labels,
    // Argo CD runs it after every sync and deletes the previous run first; a failed Job fails the sync.
    annotations:
      config.sync.engine === 'argocd' ? { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' } : undefined,
    deadlineSeconds: smokeDeadlineSeconds(ctx),
    // What the Job tests: with Flux (force: true) a change here recreates the Job, so it reruns.
    checksum: sha256([ctx.runtimeJson, smokeJson, config.service.image, config.service.runtimeImage].join('\n')),
    containers: [container],
    volumes: [
      { name: 'smoke-config', configMap: { name: smoke.name } },
      { name: 'smoke-token', secret: { secretName: smoke.secretRef.name } },
    ],
  };
}
