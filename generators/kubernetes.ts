// The Kubernetes objects of one environment, as (file, template, view) triples. The logic —
// what exists, names, sizes, ports, rules — is here; layout is in generators/templates.
import { isLocal, isRemote } from '../contract/models.js';
import { MONITORING_CONFIG, monitoringConfig } from '../contract/monitoring-config.js';
import { PATHS, LLAMA_RUNTIME, SHUTDOWN_EXIT_MARGIN_SECONDS } from '../contract/service-config.js';
import { secretRefs, secretsByName, sha256, type RenderContext } from './context.js';
import { fluentBitConfig } from './logging.js';
import { prometheusRuleSpec } from './monitoring.js';

export interface ObjectFile {
  /** Path under rendered/<env>/kubernetes/. */
  file: string;
  template: string;
  view: object;
}

/** Seconds the local models (loaded one after another) need, for the startup probe (≈ 100 MiB/s from a PVC, plus 20 s). */
export function expectedLoadSeconds(ctx: RenderContext): number {
  const local = ctx.models.models.filter(isLocal);
  if (!local.length) return 20;
  // Without sizeBytes the render cannot see the file: assume an 8 GiB model.
  const bytes = local.reduce((n, m) => n + (m.sizeBytes ?? 8 * 2 ** 30), 0);
  return 20 + Math.ceil(bytes / (100 * 2 ** 20));
}

const STARTUP_PERIOD_SECONDS = 5;
const TLS12_AEAD_CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';
const GPU_RESOURCE = 'nvidia.com/gpu';
const BACKUP_IMAGE = 'registry.k8s.io/kubectl:v1.32.0';

/** What every container runs with: non-root, read-only root, nothing extra. */
export const CONTAINER_SECURITY = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
/** The API container's share when a runtime container beside it runs the model. */
const API_RESOURCES = { cpu: '250m', memory: '256Mi' };

/** The kubelet's (and compose's) wait after SIGTERM: the service's shutdown grace, plus the time to close and exit. */
export const terminationGraceSeconds = (ctx: RenderContext) => ctx.config.server.shutdownGraceSeconds + SHUTDOWN_EXIT_MARGIN_SECONDS;

const probe = (path: string, port: string, periodSeconds: number, failureThreshold: number) => ({ httpGet: { path, port }, periodSeconds, timeoutSeconds: 2, failureThreshold });

function deployment(ctx: RenderContext): ObjectFile {
  const { config } = ctx;
  const local = ctx.local;
  const gpu = ctx.models.models.some((m) => isLocal(m) && (m.gpuLayers ?? 0) > 0);
  // The environment's resources size the model server: the runtime for local models (all of
  // them share it, and its limits), else the API.
  const modelResources: Record<string, string> = { cpu: config.resources.cpu, memory: config.resources.memory, ...(gpu ? { [GPU_RESOURCE]: '1' } : {}) };
  const ports = [{ name: 'http', containerPort: config.ports.internal, protocol: 'TCP' }];
  if (config.ports.admin !== undefined) ports.push({ name: 'admin', containerPort: config.ports.admin, protocol: 'TCP' });
  const configMount = { name: 'config', mountPath: '/etc/smartbot/config', readOnly: true };
  // Thresholds and the scaling target, outside the checksum: the kubelet updates this mount in place.
  const monitoringMount = { name: 'monitoring', mountPath: MONITORING_CONFIG.dir, readOnly: true };
  const tmpMount = { name: 'tmp', mountPath: '/tmp' };
  const startup = Math.ceil(expectedLoadSeconds(ctx) / STARTUP_PERIOD_SECONDS);
  const api = {
    name: ctx.name,
    image: config.service.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['--config', PATHS.config],
    env: [
      { name: 'SMARTBOT_ENVIRONMENT', value: ctx.env },
      // Inference runs in the runtime container; remote calls want the default libuv pool.
      { name: 'UV_THREADPOOL_SIZE', value: '4' },
    ],
    ports,
    resources: local ? { requests: API_RESOURCES, limits: API_RESOURCES } : { requests: modelResources, limits: modelResources },
    // Readiness follows the model (or upstream): the startup probe waits for it as long as a load takes.
    startupProbe: probe('/readyz', 'http', STARTUP_PERIOD_SECONDS, startup),
    livenessProbe: probe('/healthz', 'http', 10, 3),
    readinessProbe: probe('/readyz', 'http', 5, 2),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [
      configMount,
      monitoringMount,
      { name: 'keyring', mountPath: '/etc/smartbot/keyring', readOnly: true },
      tmpMount,
      ...[...ctx.secrets.keys()].map((s) => ({ name: `secret-${s}`, mountPath: `${PATHS.secrets}/${s}`, readOnly: true })),
    ],
  };
  const runtime = local
    ? {
        name: 'runtime',
        image: config.service.runtimeImage,
        imagePullPolicy: 'IfNotPresent',
        args: ['--config', PATHS.config],
        ports: [{ name: 'runtime', containerPort: LLAMA_RUNTIME.port, protocol: 'TCP' }],
        // requests = limits, whole CPUs: a Guaranteed pod, so a kubelet with cpuManagerPolicy
        // static gives these threads cores of their own (ARCHITECTURE.md, "The llama.cpp runtime").
        resources: { requests: modelResources, limits: modelResources },
        startupProbe: probe('/readyz', 'runtime', STARTUP_PERIOD_SECONDS, startup),
        livenessProbe: probe('/healthz', 'runtime', 10, 3),
        readinessProbe: probe('/readyz', 'runtime', 5, 2),
        securityContext: CONTAINER_SECURITY,
        volumeMounts: [configMount, { name: 'models', mountPath: PATHS.models, readOnly: true }, tmpMount],
      }
    : undefined;
  const volumes = [
    { name: 'config', configMap: { name: `${ctx.name}-config` } },
    { name: 'monitoring', configMap: { name: `${ctx.name}-monitoring` } },
    { name: 'keyring', configMap: { name: `${ctx.name}-keyring` } },
    { name: 'models', persistentVolumeClaim: { claimName: `${ctx.name}-models` } },
    { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
    ...[...ctx.secrets.keys()].map((s) => ({ name: `secret-${s}`, secret: { secretName: s } })),
  ];
  return {
    file: 'deployment.yaml',
    template: 'deployment',
    view: {
      name: ctx.name,
      namespace: ctx.namespace,
      labels: ctx.labels,
      selector: ctx.selector,
      autoscaling: config.autoscaling.enabled,
      replicas: config.replicas,
      terminationGracePeriodSeconds: terminationGraceSeconds(ctx),
      // runtime.json only: monitoring.json (thresholds, scaling target) changes restart nothing.
      checksum: sha256(ctx.runtimeJson),
      // The service finds the runtime by name; in a pod that name is this pod.
      hostAliases: local ? [{ ip: '127.0.0.1', hostnames: [LLAMA_RUNTIME.host] }] : undefined,
      tolerations: gpu ? [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }] : undefined,
      containers: runtime ? [api, runtime] : [api],
      volumes,
    },
  };
}

/** The service pod's ports: the API, and the admin port (probes, /metrics) when there is one. */
export function podPorts(ctx: RenderContext): { protocol: string; port: number }[] {
  const { ports } = ctx.config;
  return [{ protocol: 'TCP', port: ports.internal }, ...(ports.admin === undefined ? [] : [{ protocol: 'TCP', port: ports.admin }])];
}

function networkPolicy(ctx: RenderContext): ObjectFile {
  const { config } = ctx;
  const http = [{ protocol: 'TCP', port: config.ports.internal }];
  const allow = config.security.ipAllowlist;
  const ingress: object[] = [
    // Clients: only the allowlist (everyone when it is empty, base tier only), on the service port.
    allow.length ? { from: allow.map((cidr) => ({ ipBlock: { cidr } })), ports: http } : { ports: http },
  ];
  // The ingress controller proxies public traffic; it enforces the same allowlist by annotation.
  if (config.ingress) ingress.push({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: http });
  if (config.ports.admin !== undefined)
    ingress.push({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: config.ports.admin }] });
  // The post-sync smoke Job (generators/verify.ts): the API, and /metrics on the admin port.
  if (ctx.smoke) ingress.push({ from: [{ podSelector: { matchLabels: ctx.smoke.selector } }], ports: podPorts(ctx) });

  const egress: object[] = [
    { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
  ];
  // NetworkPolicy cannot name hosts: Redis and the remote endpoint are allowed by port.
  if (config.cache.redis.enabled) egress.push({ ports: [{ protocol: 'TCP', port: redisPort(ctx) }] });
  const remotePorts = ctx.models.models.filter(isRemote).map((m) => {
    const url = new URL(m.endpoint);
    return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  });
  for (const port of new Set(remotePorts)) egress.push({ ports: [{ protocol: 'TCP', port }] });
  return { file: 'networkpolicy.yaml', template: 'networkpolicy', view: { name: ctx.name, namespace: ctx.namespace, labels: ctx.labels, selector: ctx.selector, ingress, egress } };
}

export function redisPort(ctx: RenderContext): number {
  const url = ctx.config.cache.redis.url;
  return url ? Number(new URL(url).port || 6379) : 6379;
}

function ingressObject(ctx: RenderContext): ObjectFile | undefined {
  const { config } = ctx;
  if (!config.ingress) return undefined;
  const tls = config.security.tls;
  const annotations: Record<string, string> = {};
  if (tls.enabled) {
    annotations['nginx.ingress.kubernetes.io/force-ssl-redirect'] = 'true';
    // AEAD suites exist only in TLS 1.2+: clients on TLS 1.0/1.1 cannot negotiate.
    annotations['nginx.ingress.kubernetes.io/ssl-ciphers'] = TLS12_AEAD_CIPHERS;
    // TLS 1.3-only needs ssl_protocols per server (ingress-nginx: allow-snippet-annotations).
    if (tls.minVersion === '1.3') annotations['nginx.ingress.kubernetes.io/server-snippet'] = 'ssl_protocols TLSv1.3;';
    if (tls.issuer) annotations['cert-manager.io/cluster-issuer'] = tls.issuer;
  }
  if (config.security.ipAllowlist.length) annotations['nginx.ingress.kubernetes.io/whitelist-source-range'] = config.security.ipAllowlist.join(',');
  return {
    file: 'ingress.yaml',
    template: 'ingress',
    view: {
      name: ctx.name,
      namespace: ctx.namespace,
      labels: ctx.labels,
      annotations: Object.keys(annotations).length ? Object.fromEntries(Object.entries(annotations).sort()) : undefined,
      className: config.ingress.className,
      host: config.ingress.host,
      tls: tls.enabled ? [{ hosts: [config.ingress.host], secretName: tls.secretName ?? `${ctx.name}-tls` }] : undefined,
    },
  };
}

function backups(ctx: RenderContext): ObjectFile[] {
  const { config } = ctx;
  if (!config.backups.enabled) return [];
  const name = `${ctx.name}-backup`;
  const labels = { ...ctx.labels, 'app.kubernetes.io/component': 'backup' };
  // Snapshot the models volume, then keep the newest `retention` snapshots.
  const script = [
    'set -eu',
    'stamp=$(date -u +%Y%m%d-%H%M%S)',
    'cat <<EOF | kubectl apply -f -',
    'apiVersion: snapshot.storage.k8s.io/v1',
    'kind: VolumeSnapshot',
    'metadata:',
    '  name: ${PVC}-${stamp}',
    '  namespace: ${NAMESPACE}',
    '  labels: {smartbot.dev/backup-of: ${PVC}}',
    'spec:',
    '  source: {persistentVolumeClaimName: ${PVC}}',
    'EOF',
    'kubectl -n "$NAMESPACE" get volumesnapshot -l smartbot.dev/backup-of="$PVC" --sort-by=.metadata.creationTimestamp -o name \\',
    '  | head -n -"$RETENTION" | xargs -r kubectl -n "$NAMESPACE" delete',
    '',
  ].join('\n');
  const common = { name, namespace: ctx.namespace, labels };
  return [
    { file: 'backup-rbac.yaml', template: 'backup-rbac', view: common },
    {
      file: 'backup-cronjob.yaml',
      template: 'backup-cronjob',
      view: {
        ...common,
        schedule: config.backups.schedule,
        image: BACKUP_IMAGE,
        script,
        env: [
          { name: 'NAMESPACE', value: ctx.namespace },
          { name: 'PVC', value: `${ctx.name}-models` },
          { name: 'RETENTION', value: String(config.backups.retention) },
        ],
      },
    },
  ];
}

/** One ExternalSecret per Secret: the pod's, and the smoke Job's API key. */
function externalSecrets(ctx: RenderContext): ObjectFile[] {
  const store = ctx.config.security.secretStore;
  const secrets = secretsByName([...secretRefs(ctx.config), ...(ctx.smoke ? [ctx.smoke.secretRef] : [])]);
  return [...secrets].map(([name, keys]) => ({
    file: `externalsecret-${name}.yaml`,
    template: 'externalsecret',
    view: {
      name,
      namespace: ctx.namespace,
      labels: ctx.labels,
      storeKind: store.kind,
      storeName: store.name,
      data: keys.map((key) => ({ secretKey: key, remoteRef: { key: `smartbot/${ctx.env}/${name}`, property: key } })),
    },
  }));
}

/** monitoring.json as mounted (the ConfigMap and compose share these bytes). */
export const monitoringJson = (ctx: RenderContext) => `${JSON.stringify(monitoringConfig(ctx.env, ctx.config), null, 2)}\n`;

export function kubernetesObjects(ctx: RenderContext): ObjectFile[] {
  const { config } = ctx;
  const base = { name: ctx.name, namespace: ctx.namespace, labels: ctx.labels };
  const servicePorts = [{ name: 'http', port: config.ports.external, targetPort: 'http', protocol: 'TCP' }];
  if (config.ports.admin !== undefined) servicePorts.push({ name: 'admin', port: config.ports.admin, targetPort: 'admin', protocol: 'TCP' });
  const minPods = config.autoscaling.enabled ? config.autoscaling.min : config.replicas;
  const files: (ObjectFile | undefined)[] = [
    { file: 'namespace.yaml', template: 'namespace', view: { namespace: ctx.namespace, labels: ctx.labels, description: config.description } },
    { file: 'serviceaccount.yaml', template: 'serviceaccount', view: base },
    { file: 'configmap.yaml', template: 'configmap', view: { ...base, name: `${ctx.name}-config`, data: [{ key: 'runtime.json', content: ctx.runtimeJson }] } },
    { file: 'monitoring-config.yaml', template: 'configmap', view: { ...base, name: `${ctx.name}-monitoring`, data: [{ key: MONITORING_CONFIG.file, content: monitoringJson(ctx) }] } },
    { file: 'keyring.yaml', template: 'configmap', view: { ...base, name: `${ctx.name}-keyring`, data: [{ key: 'keyring.json', content: ctx.keyringJson }] } },
    { file: 'fluent-bit.yaml', template: 'configmap', view: { ...base, name: `${ctx.name}-fluent-bit`, data: fluentBitConfig(ctx) } },
    deployment(ctx),
    { file: 'service.yaml', template: 'service', view: { ...base, selector: ctx.selector, ports: servicePorts } },
    { file: 'pvc.yaml', template: 'pvc', view: { ...base, name: `${ctx.name}-models`, accessMode: minPods > 1 ? 'ReadWriteMany' : 'ReadWriteOnce', storageClass: config.resources.storage.class, size: config.resources.storage.size } },
    minPods >= 2 ? { file: 'pdb.yaml', template: 'pdb', view: { ...base, selector: ctx.selector } } : undefined,
    { file: 'networkpolicy-default-deny.yaml', template: 'networkpolicy-deny', view: { namespace: ctx.namespace, labels: ctx.labels } },
    networkPolicy(ctx),
    ingressObject(ctx),
    ...backups(ctx),
    { file: 'servicemonitor.yaml', template: 'servicemonitor', view: { ...base, selector: ctx.selector, port: config.ports.admin === undefined ? 'http' : 'admin' } },
    { file: 'prometheusrule.yaml', template: 'prometheusrule', view: { ...base, spec: prometheusRuleSpec(ctx) } },
    ...externalSecrets(ctx),
  ];
  return files.filter((f): f is ObjectFile => f !== undefined);
}
