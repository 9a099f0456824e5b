// What the generators put into objects, for settings the shipped environments do not all use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { LOG_LINE_PATTERN } from '../contract/telemetry.js';
import type { SmartbotEnvironment } from '../contract/environment.js';
import { clusterFiles } from '../generators/clusters.js';
import { syncTarget } from '../generators/gitops.js';
import { renderEnvironment } from '../generators/index.js';
import { validateEnvironments } from '../validation/validate.js';
import { BASE_ENV, repoRoot, validateText } from './helpers/env.js';
import { unknownFields, validateWithModels, type K8sObject } from './helpers/k8s-schemas.js';

const shipped = (name: string) =>
  validateEnvironments({ root: repoRoot, paths: [join(repoRoot, 'environments', `${name}.yaml`)] }).environments[0]!.config as SmartbotEnvironment;

function render(config: SmartbotEnvironment, name = 'test') {
  const files = renderEnvironment({ name, source: `environments/${name}.yaml`, config, keyringJson: '{"version": 1, "keys": []}\n' });
  const get = (path: string) => {
    const f = files.find((x) => x.path === path);
    if (!f) throw new Error(`not rendered: ${path} (have ${files.map((x) => x.path).join(', ')})`);
    return parseAllDocuments(f.text).map((d) => d.toJS());
  };
  return { files, get };
}

describe('Deployment', () => {
  it('requests a GPU and tolerates GPU nodes when the model offloads layers', () => {
    const config = shipped('dev');
    const gpu = { ...config, model: { ...config.model, gpuLayers: 20 } } as SmartbotEnvironment;
    const spec = render(gpu).get('kubernetes/deployment.yaml')[0].spec.template.spec;
    expect(spec.containers.map((c: { name: string }) => c.name)).toEqual(['smart-bot-service', 'runtime']);
    expect(spec.containers[1].resources.limits).toEqual({ cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' });
    expect(spec.containers[0].resources.limits).toEqual({ cpu: '250m', memory: '256Mi' });
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(render(config).get('kubernetes/deployment.yaml')[0].spec.template.spec.tolerations).toBeUndefined();
  });

  it('changes the config checksum when the service config changes, and only then', () => {
    const config = shipped('dev');
    const sum = (c: SmartbotEnvironment) => render(c).get('kubernetes/deployment.yaml')[0].spec.template.metadata.annotations['smartbot.dev/config-checksum'];
    expect(sum(config)).toMatch(/^[0-9a-f]{64}$/);
    expect(sum({ ...config, inference: { ...config.inference, maxTokens: 99 } })).not.toBe(sum(config));
    // The alert thresholds and the scaling target travel in monitoring.json, outside the checksum: no roll.
    expect(sum({ ...config, monitoring: { alerts: { ...config.monitoring.alerts, cpuPercent: { threshold: 50, for: '1m' } } } })).toBe(sum(config));
    expect(sum({ ...config, autoscaling: { ...config.autoscaling, targetBusyPercent: 30 } })).toBe(sum(config));
    expect(sum({ ...config, replicas: 3 })).toBe(sum(config));
  });

  it('sizes the startup probe to the model: 20 s plus 1 s per 100 MiB', () => {
    const config = shipped('dev');
    const big = { ...config, model: { ...config.model, sizeBytes: 4 * 2 ** 30 } } as SmartbotEnvironment;
    const probe = (c: SmartbotEnvironment) => render(c).get('kubernetes/deployment.yaml')[0].spec.template.spec.containers[1].startupProbe;
    expect(probe(config)).toEqual({ httpGet: { path: '/readyz', port: 'runtime' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 5 });
    expect(probe(big).failureThreshold).toBe(Math.ceil((20 + 41) / 5));
  });
});

describe('the HTTP settings', () => {
  it('the shutdown grace plus 5 s is the pod\'s terminationGracePeriodSeconds and compose\'s stop_grace_period', () => {
    const config = shipped('prod');
    const slow = { ...config, server: { ...config.server, shutdownGraceSeconds: 120 } } as SmartbotEnvironment;
    expect(render(slow).get('kubernetes/deployment.yaml')[0].spec.template.spec.terminationGracePeriodSeconds).toBe(125);
    const [compose] = render(slow).get('compose/docker-compose.yml');
    expect([compose.services.smartbot.stop_grace_period, compose.services['smartbot-runtime'].stop_grace_period]).toEqual(['125s', '125s']);
    expect(JSON.parse(render(slow).get('kubernetes/configmap.yaml')[0].data['runtime.json']).http.shutdownGraceMs).toBe(120_000);
  });

  it('derives the character caps and the body limit from the context unless the environment sets them', () => {
    const http = (c: SmartbotEnvironment) => JSON.parse(render(c).get('kubernetes/configmap.yaml')[0].data['runtime.json']).http;
    const dev = shipped('dev');
    expect(http(dev)).toMatchObject({ maxMessageChars: 8192, maxPromptChars: 16384, bodyLimitBytes: 16384 * 6 + 131072 });
    expect(http({ ...dev, inference: { ...dev.inference, maxMessageChars: 1000, maxPromptChars: 3000 } } as SmartbotEnvironment)).toMatchObject({ maxMessageChars: 1000, maxPromptChars: 3000, bodyLimitBytes: 3000 * 6 + 131072 });
    expect(http(shipped('staging'))).toMatchObject({ maxMessageChars: 65536, maxPromptChars: 131072 });
    const cors = { allowedOrigins: ['https://app.example.com'], allowCredentials: true };
    expect(http({ ...dev, security: { ...dev.security, cors } } as SmartbotEnvironment).cors).toEqual(cors);
  });
});

describe('the runtime container', () => {
  it('runs local models beside the service, found through a host alias, on whole CPUs with requests = limits (Guaranteed: exclusive cores under cpuManagerPolicy static)', () => {
    const spec = render(shipped('dev')).get('kubernetes/deployment.yaml')[0].spec.template.spec;
    expect(spec.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['smartbot-runtime'] }]);
    const runtime = spec.containers[1];
    expect(runtime).toMatchObject({ image: 'ghcr.io/smartbot/smartbot-runtime:1.2.0', args: ['--config', '/etc/smartbot/config/runtime.json'], ports: [{ name: 'runtime', containerPort: 8001, protocol: 'TCP' }] });
    // The image runs llama-server: no libuv pool setting to make.
    expect(runtime.env).toBeUndefined();
    expect(runtime.resources).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    for (const c of spec.containers) expect(c.resources.requests).toEqual(c.resources.limits);
    expect(runtime.volumeMounts).toContainEqual({ name: 'models', mountPath: '/data/models', readOnly: true });
    const cm = render(shipped('dev')).get('kubernetes/configmap.yaml')[0];
    expect(JSON.parse(cm.data['runtime.json']).runtime).toEqual({ url: 'http://smartbot-runtime:8001/v1', port: 8001 });
  });
  it('is absent for a remote model', () => {
    const spec = render(shipped('staging'), 'staging').get('kubernetes/deployment.yaml')[0].spec.template.spec;
    expect(spec.containers).toHaveLength(1);
    expect(spec.hostAliases).toBeUndefined();
    expect(spec.containers[0].resources.limits).toEqual({ cpu: '2', memory: '4Gi' });
  });
});

describe('scaling objects', () => {
  const prod = () => shipped('prod');
  const withScaling = (c: SmartbotEnvironment, a: Partial<SmartbotEnvironment['autoscaling']>, extra: Partial<SmartbotEnvironment> = {}) =>
    ({ ...c, ...extra, autoscaling: { ...c.autoscaling, ...a } }) as SmartbotEnvironment;
  /** Every metric any rendered autoscaler reads, as text: never CPU. */
  const scalingText = (files: { path: string; text: string }[]) => files.filter((f) => /scaledobject|hpa|prometheus-adapter/.test(f.path)).map((f) => f.text).join('\n');

  it('a single-replica base environment gets no autoscaler and no PDB; its Deployment keeps its replicas', () => {
    const r = render(shipped('dev'));
    const paths = r.files.map((f) => f.path);
    for (const p of ['kubernetes/hpa.yaml', 'kubernetes/scaledobject.yaml', 'kubernetes/pdb.yaml']) expect(paths).not.toContain(p);
    expect(r.get('kubernetes/deployment.yaml')[0].spec.replicas).toBe(1);
  });

  it('prod (enterprise, engine keda by default) gets a ScaledObject on the summed sequence load, no HPA of its own, and a PDB', () => {
    const r = render(prod(), 'prod');
    const paths = r.files.map((f) => f.path);
    expect(paths).not.toContain('kubernetes/hpa.yaml');
    const [so] = r.get('kubernetes/scaledobject.yaml');
    const on = '{namespace="smartbot-prod",service="smart-bot-service"}';
    expect(so.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'smart-bot-service' }, minReplicaCount: 3, maxReplicaCount: 10, pollingInterval: 15 });
    expect(so.spec.idleReplicaCount).toBeUndefined();
    expect(so.spec.triggers).toEqual([
      {
        type: 'prometheus',
        name: 'sequence-load',
        metricType: 'AverageValue',
        metadata: {
          serverAddress: 'http://prometheus-operated.monitoring.svc:9090',
          query: `sum(smartbot_sequences_busy_ratio${on} + smartbot_queue_depth${on} / smartbot_sequences${on})`,
          threshold: String(prod().autoscaling.targetBusyPercent / 100),
          ignoreNullValues: 'false',
        },
      },
    ]);
    // A lost signal holds the pods there are.
    expect(so.spec.fallback).toEqual({ failureThreshold: 3, replicas: 3, behavior: 'currentReplicasIfHigher' });
    expect(r.get('kubernetes/pdb.yaml')[0].spec.maxUnavailable).toBe(1);
    expect(r.get('kubernetes/deployment.yaml')[0].spec.replicas).toBeUndefined(); // the autoscaler owns it
    expect(scalingText(r.files)).not.toMatch(/cpu|Utilization/i);
  });

  it('windows follow the model: scale up paced by its load time, down one pod per drain after twice the load time (at least 5 min)', () => {
    const behavior = (c: SmartbotEnvironment) => render(c, 'prod').get('kubernetes/scaledobject.yaml')[0].spec.advanced.horizontalPodAutoscalerConfig.behavior;
    // prod's demo model: 20 s + 1 s per 100 MiB → 21 s; the drain is the shutdown grace (30 s) + 5 s.
    expect(behavior(prod())).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 21 }, { type: 'Pods', value: 4, periodSeconds: 21 }] },
      scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 35 }] },
    });
    const big = { ...prod(), model: { ...prod().model, sizeBytes: 40 * 2 ** 30 }, server: { ...prod().server, shutdownGraceSeconds: 120 } } as SmartbotEnvironment;
    const b = behavior(big);
    expect(b.scaleUp.policies[0].periodSeconds).toBe(20 + 410);
    expect(b.scaleDown).toEqual({ stabilizationWindowSeconds: 2 * 430, policies: [{ type: 'Pods', value: 1, periodSeconds: 125 }] });
  });

  it('engine hpa: an autoscaling/v2 HPA on the Pods metric smartbot_sequence_load, and the adapter rule that serves it', () => {
    const r = render(withScaling(prod(), { engine: 'hpa' }), 'prod');
    expect(r.files.map((f) => f.path)).not.toContain('kubernetes/scaledobject.yaml');
    const [hpa] = r.get('kubernetes/hpa.yaml');
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10, metrics: [{ type: 'Pods', pods: { metric: { name: 'smartbot_sequence_load' }, target: { type: 'AverageValue', averageValue: String(prod().autoscaling.targetBusyPercent / 100) } } }] });
    expect(hpa.spec.behavior.scaleDown.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: 35 }]);
    const [adapter] = r.get('prometheus-adapter/rules.yaml');
    expect(adapter.rules).toEqual([
      {
        seriesQuery: 'smartbot_sequences_busy_ratio{namespace!="",pod!=""}',
        resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
        name: { matches: '^smartbot_sequences_busy_ratio$', as: 'smartbot_sequence_load' },
        metricsQuery: 'sum(smartbot_sequences_busy_ratio{<<.LabelMatchers>>} + smartbot_queue_depth{<<.LabelMatchers>>} / smartbot_sequences{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
      },
    ]);
    // Not an object Argo CD / Flux apply: outside kubernetes/, so no kustomization lists it.
    expect(r.get('kubernetes/kustomization.yaml')[0].resources).not.toContain('rules.yaml');
    expect(scalingText(r.files)).not.toMatch(/cpu|Utilization/i);
  });

  it('scale to zero (base tier, keda, an ingress): idle at 0 pods, woken by the ingress request rate, min pods once active', () => {
    const staging = shipped('staging');
    const r = render(withScaling(staging, { enabled: true, min: 1, max: 3, scaleToZero: true }), 'staging');
    const [so] = r.get('kubernetes/scaledobject.yaml');
    expect(so.spec).toMatchObject({ idleReplicaCount: 0, minReplicaCount: 1, maxReplicaCount: 3, cooldownPeriod: 300 });
    expect(so.spec.triggers.map((t: { name: string }) => t.name)).toEqual(['sequence-load', 'wake']);
    // No series at zero pods is the normal idle state there, not an error.
    expect(so.spec.triggers[0].metadata.ignoreNullValues).toBe('true');
    expect(so.spec.triggers[1].metadata).toEqual({
      serverAddress: 'http://prometheus-operated.monitoring.svc:9090',
      query: 'clamp_max(sum(rate(nginx_ingress_controller_requests{exported_namespace="smartbot-staging",ingress="smart-bot-service"}[2m])), 1)',
      threshold: '1',
      ignoreNullValues: 'true',
    });
  });

  it('the ScaledObject and the HPA pass their models and the unknown-field check, which catches a ScaledObject typo', async () => {
    const objects = (engine: 'keda' | 'hpa') =>
      render(withScaling(prod(), { engine }), 'prod')
        .files.filter((f) => /kubernetes\/(scaledobject|hpa)\.yaml$/.test(f.path))
        .map((f) => ({ file: f.path, object: parseAllDocuments(f.text)[0]!.toJS() as K8sObject }));
    const all = [...objects('keda'), ...objects('hpa')];
    expect(all.map((o) => o.object.kind)).toEqual(['ScaledObject', 'HorizontalPodAutoscaler']);
    expect(await validateWithModels(all)).toEqual([]);
    expect(unknownFields(all)).toEqual([]);
    const typo = structuredClone(all[0]!) as { file: string; object: K8sObject & { spec: Record<string, unknown> } };
    typo.object.spec.minReplicas = typo.object.spec.minReplicaCount;
    expect(unknownFields([typo])).toEqual([`kubernetes/scaledobject.yaml: ScaledObject/smart-bot-service: Object literal may only specify known properties, and '"minReplicas"' does not exist in type 'IScaledObjectSpec'.`]);
  }, 60_000);
});

describe('GitOps bootstrap', () => {
  it('Argo CD: automated sync with prune and self-heal as the environment says', () => {
    const own = shipped('prod');
    own.sync = { ...own.sync, applicationSet: false };
    const app = render(own, 'prod').get('argocd/application.yaml')[0];
    expect(app.spec.syncPolicy).toEqual({ automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] });
    expect(app.spec.source).toEqual({ repoURL: 'https://git.example.com/platform/smartbot.git', targetRevision: 'main', path: 'rendered/prod/kubernetes' });
    const manual = { ...own, sync: { ...own.sync, autoSync: false } };
    expect(render(manual, 'prod').get('argocd/application.yaml')[0].spec.syncPolicy).toEqual({ syncOptions: ['ServerSideApply=true'] });
  });
  it('Argo CD with sync.applicationSet: an element of its cluster’s set instead of an Application, and the set generates what the Application was', () => {
    const r = render(shipped('prod'), 'prod');
    expect(r.files.map((f) => f.path).filter((p) => p.startsWith('argocd/'))).toEqual(['argocd/appset-prod-k8s-example-com-49da283b.yaml']);
    expect(r.get('argocd/appset-prod-k8s-example-com-49da283b.yaml')[0]).toEqual({ environment: 'prod', name: 'smartbot-prod', namespace: 'smartbot-prod', path: 'rendered/prod/kubernetes', automated: true, prune: true, selfHeal: true });
    const own = shipped('prod');
    own.sync = { ...own.sync, applicationSet: false };
    const app = render(own, 'prod').get('argocd/application.yaml')[0];
    const [set] = parseAllDocuments(clusterFiles([syncTarget('prod', shipped('prod'))]).find((f) => f.path.endsWith('applicationset.yaml'))!.text).map((d) => d.toJS());
    // The set's template, filled with the element's keys (as Argo CD's goTemplate does), is the Application.
    const element = r.get('argocd/appset-prod-k8s-example-com-49da283b.yaml')[0];
    const filled = JSON.parse(JSON.stringify(set.spec.template).replace(/\{\{\.(\w+)\}\}/g, (_: string, k: string) => String(element[k])));
    expect({ ...filled, spec: { ...filled.spec, syncPolicy: { automated: { prune: element.prune, selfHeal: element.selfHeal }, ...filled.spec.syncPolicy } } }).toEqual({
      metadata: { name: app.metadata.name, labels: app.metadata.labels, finalizers: app.metadata.finalizers },
      spec: { ...app.spec, syncPolicy: app.spec.syncPolicy },
    });
    expect(set.spec.generators[0].git.files).toEqual([{ path: 'rendered/*/argocd/appset-prod-k8s-example-com-49da283b.yaml' }]);
  });
  it('Flux: a GitRepository and a Kustomization for rendered/<env>/kubernetes', () => {
    const [repo, ks] = render(shipped('staging'), 'staging').get('flux/flux.yaml');
    expect(repo.kind).toBe('GitRepository');
    expect(ks.spec).toMatchObject({ path: './rendered/staging/kubernetes', prune: false, sourceRef: { kind: 'GitRepository', name: 'smartbot-staging' } });
  });
});

describe('docker-compose', () => {
  it('publishes 18789, rotates json-file logs per config, has a healthcheck, restart policy, models volume and Redis when cached', () => {
    const [compose] = render(shipped('prod'), 'prod').get('compose/docker-compose.yml');
    const s = compose.services.smartbot;
    expect(s.ports).toEqual(['18789:8000', '127.0.0.1:8080:8080']);
    expect(s.logging).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });
    expect(s.healthcheck.test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(s.restart).toBe('unless-stopped');
    expect(compose.services['smartbot-runtime'].volumes).toEqual(['models:/data/models:ro']);
    expect(s.depends_on).toEqual({ 'smartbot-runtime': { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(Object.keys(compose.services)).toEqual(['smartbot', 'smartbot-runtime', 'redis']);
    expect(JSON.parse(compose.configs.runtime.content).environment).toBe('prod');
    const [dev] = render(shipped('dev'), 'dev').get('compose/docker-compose.yml');
    expect(Object.keys(dev.services)).toEqual(['smartbot', 'smartbot-runtime']);
    const [staging] = render(shipped('staging'), 'staging').get('compose/docker-compose.yml');
    expect(Object.keys(staging.services)).toEqual(['smartbot']);
  });
});

describe('log shipping', () => {
  it("Fluent Bit's parser is the guide's pattern with named groups, and parses a guide log line", () => {
    const [cm] = render(shipped('dev')).get('kubernetes/fluent-bit.yaml');
    const regex = /^\s+Regex\s+(.*)$/m.exec(cm.data['parsers.conf'])![1]!;
    expect(regex.replace(/\?<\w+>/g, '')).toBe(LOG_LINE_PATTERN);
    const m = new RegExp(regex).exec('[2026-11-26 09:15:02] [INFO] request completed id=req-1 status=200');
    expect(m?.groups).toEqual({ time: '2026-11-26 09:15:02', level: 'INFO', message: 'request completed id=req-1 status=200' });
  });
});

describe('network exposure', () => {
  it('a base environment with no allowlist admits clients on the service port only', () => {
    const config = validateText(BASE_ENV).environments[0]!.config!;
    const np = render(config).get('kubernetes/networkpolicy.yaml')[0];
    expect(np.spec.ingress[0]).toEqual({ ports: [{ protocol: 'TCP', port: 8000 }] });
    expect(np.spec.egress.map((e: { ports: { port: number }[] }) => e.ports.map((p) => p.port))).toEqual([[53, 53], [443]]);
  });
  it('staging sends its upstream credential through an ExternalSecret, never a value', () => {
    const r = render(shipped('staging'), 'staging');
    const es = r.get('kubernetes/externalsecret-smartbot-upstream.yaml')[0];
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'smartbot' },
      target: { name: 'smartbot-upstream', creationPolicy: 'Owner' },
      data: [{ secretKey: 'token', remoteRef: { key: 'smartbot/staging/smartbot-upstream', property: 'token' } }],
    });
    expect(r.files.some((f) => f.path.includes('Secret') || /kind: Secret$/m.test(f.text))).toBe(false);
  });
});

describe('post-sync smoke (verify)', () => {
  const smokeArgs = (env: string) => [
    '--url', `http://smart-bot-service.smartbot-${env}.svc:18789`,
    '--metrics-url', `http://smart-bot-service.smartbot-${env}.svc:8080/metrics`,
    '--token-file', '/var/run/secrets/smartbot/smartbot-smoke/token',
    '--env', '/etc/smartbot/smoke/smoke.json',
  ];

  it('Argo CD (prod): a PostSync hook Job running `smartbot smoke` from the service image, deleted before the next run', () => {
    const r = render(shipped('prod'), 'prod');
    const [job] = r.get('kubernetes/smoke-job.yaml');
    expect(job.metadata.annotations).toEqual({ 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
    // One try: a failed smoke fails the sync instead of being retried into a pass.
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 30 + 120 });
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, runAsUser: 10001 } });
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0]).toMatchObject({ image: 'ghcr.io/smartbot/smart-bot-service:1.2.0', command: ['node', '/opt/bot/app/dist/cli/smoke.js'], args: smokeArgs('prod') });
    expect(pod.volumes).toEqual([
      { name: 'smoke-config', configMap: { name: 'smart-bot-service-smoke' } },
      { name: 'smoke-token', secret: { secretName: 'smartbot-smoke' } },
    ]);
    expect(r.get('kubernetes/kustomization.yaml')[0].resources).toEqual(expect.arrayContaining(['smoke-job.yaml', 'smoke-config.yaml', 'networkpolicy-smoke.yaml', 'externalsecret-smartbot-smoke.yaml']));
    expect(r.files.filter((f) => f.path.startsWith('verify/'))).toEqual([]);
  });

  it('Flux (staging): a second Kustomization that depends on the app, forces and waits for the same Job in verify/', () => {
    const r = render(shipped('staging'), 'staging');
    const docs = r.get('flux/flux.yaml');
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['GitRepository/smartbot-staging', 'Kustomization/smartbot-staging', 'Kustomization/smartbot-staging-smoke']);
    expect(docs[2].spec).toEqual({
      dependsOn: [{ name: 'smartbot-staging' }],
      interval: '5m',
      path: './rendered/staging/verify',
      prune: true,
      force: true,
      wait: true,
      timeout: '210s',
      suspend: false,
      sourceRef: { kind: 'GitRepository', name: 'smartbot-staging' },
      targetNamespace: 'smartbot-staging',
      kubeConfig: { secretRef: { name: 'staging-kubeconfig' } },
    });
    const [job] = r.get('verify/smoke-job.yaml');
    expect(job.metadata.annotations).toBeUndefined();
    expect(job.spec.template.spec.containers[0].args).toEqual(smokeArgs('staging'));
    expect(r.get('verify/kustomization.yaml')[0].resources).toEqual(['smoke-job.yaml']);
    // The app's Kustomization must not apply the Job itself: only the check does.
    expect(r.files.map((f) => f.path)).not.toContain('kubernetes/smoke-job.yaml');
    expect(r.get('kubernetes/kustomization.yaml')[0].resources).not.toContain('smoke-job.yaml');
  });

  it("smoke.json carries the environment's own alert thresholds and the series its PrometheusRule queries", () => {
    const config = shipped('prod');
    const smokeJson = (c: SmartbotEnvironment) => JSON.parse(render(c, 'prod').get('kubernetes/smoke-config.yaml')[0].data['smoke.json']);
    expect(smokeJson(config)).toEqual({
      environment: 'prod',
      thresholds: { p99LatencySeconds: 2, errorRatePercent: 5 },
      // The alerts' series and the autoscaler's: the smoke proves /metrics carries each.
      series: ['smartbot_http_request_duration_seconds_bucket', 'smartbot_http_requests_total', 'smartbot_queue_depth', 'smartbot_sequences', 'smartbot_sequences_busy_ratio'],
      logFormat: 'line',
      load: { durationSeconds: 30, concurrency: 4, maxRequests: 10000, maxTokens: 64 },
    });
    const tighter = { ...config, monitoring: { alerts: { ...config.monitoring.alerts, p99LatencySeconds: { threshold: 0.5, for: '5m' } } } };
    expect(smokeJson(tighter).thresholds.p99LatencySeconds).toBe(0.5);
    const longer = { ...config, verify: { ...config.verify, duration: '2m', concurrency: 16 } };
    expect(smokeJson(longer).load).toMatchObject({ durationSeconds: 120, concurrency: 16 });
    expect(render(longer, 'prod').get('kubernetes/smoke-job.yaml')[0].spec.activeDeadlineSeconds).toBe(120 + 120);
  });

  it('the NetworkPolicy lets the Job reach the service pods (API and /metrics) and DNS, nothing else', () => {
    const r = render(shipped('prod'), 'prod');
    const [own] = r.get('kubernetes/networkpolicy-smoke.yaml');
    const podLabels = r.get('kubernetes/smoke-job.yaml')[0].spec.template.metadata.labels;
    expect(own.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'smart-bot-service-smoke', 'app.kubernetes.io/instance': 'prod' });
    for (const [k, v] of Object.entries(own.spec.podSelector.matchLabels)) expect(podLabels[k]).toBe(v);
    expect(own.spec.ingress).toEqual([]);
    expect(own.spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'smart-bot-service', 'app.kubernetes.io/instance': 'prod' } } }], ports: [{ protocol: 'TCP', port: 8000 }, { protocol: 'TCP', port: 8080 }] },
      { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
    ]);
    // The service admits the Job's pods past its allowlist, on the same two ports.
    const [service] = r.get('kubernetes/networkpolicy.yaml');
    expect(service.spec.ingress).toContainEqual({ from: [{ podSelector: { matchLabels: own.spec.podSelector.matchLabels } }], ports: [{ protocol: 'TCP', port: 8000 }, { protocol: 'TCP', port: 8080 }] });
    // The Job's pods are not the service's: the Service, PDB and the service's policy select by these.
    const selector = r.get('kubernetes/service.yaml')[0].spec.selector;
    expect(Object.entries(selector).every(([k, v]) => podLabels[k] === v)).toBe(false);
  });

  it('the API key comes from its Secret through an ExternalSecret, never a value', () => {
    const r = render(shipped('prod'), 'prod');
    expect(r.get('kubernetes/externalsecret-smartbot-smoke.yaml')[0].spec.data).toEqual([{ secretKey: 'token', remoteRef: { key: 'smartbot/prod/smartbot-smoke', property: 'token' } }]);
    // The service's own pod does not mount it.
    expect(r.get('kubernetes/deployment.yaml')[0].spec.template.spec.volumes.map((v: { name: string }) => v.name)).not.toContain('secret-smartbot-smoke');
  });

  it('with verify off (the base tier default) nothing of it is rendered', () => {
    const r = render(shipped('dev'), 'dev');
    expect(r.files.map((f) => f.path).filter((p) => /smoke|verify\//.test(p))).toEqual([]);
    expect(JSON.stringify(r.get('kubernetes/networkpolicy.yaml')[0])).not.toContain('smoke');
  });
});

it('the committed runtime config of dev is the one render computes', () => {
  const text = readFileSync(join(repoRoot, 'rendered/dev/kubernetes/configmap.yaml'), 'utf8');
  const cm = parseAllDocuments(text)[0]!.toJS();
  expect(JSON.parse(cm.data['runtime.json'])).toMatchObject({ environment: 'dev', listen: { port: 8000, adminPort: 8080 }, threads: 2, model: { source: 'local', path: '/data/models/demo.gguf' } });
});
