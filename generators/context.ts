// What every generator of one environment shares: names, labels, the service config and
// the Secrets it needs. Computed once per environment, then read by each object generator.
import { createHash } from 'node:crypto';
import type { SmartbotEnvironment } from '../contract/environment.js';
import { isLocal, isRemote, modelSet, type ModelSet } from '../contract/models.js';
import { serviceConfig, type ServiceConfig } from '../contract/service-config.js';
import type { SecretRef } from '../contract/environment.js';

export interface RenderContext {
  env: string;
  /** environments/<env>.yaml: named in every file's header. */
  source: string;
  config: SmartbotEnvironment;
  /** Its models, one or several (contract/models.ts). */
  models: ModelSet;
  /** Some of them are local: the runtime container runs them beside the service. */
  local: boolean;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  runtime: ServiceConfig;
  /** runtime.json exactly as mounted (ConfigMap and compose share these bytes). */
  runtimeJson: string;
  /** keyring.json as committed under keyrings/. */
  keyringJson: string;
  /** Every Secret the pod mounts, by name, with the keys it reads. */
  secrets: Map<string, string[]>;
  /** The post-sync smoke Job, when `verify` is on (generators/verify.ts renders it). */
  smoke?: SmokeJob;
}

export interface SmokeJob {
  name: string;
  /** Its pod's labels: they must not match the service's selector (Service, PDB, NetworkPolicy). */
  labels: Record<string, string>;
  selector: Record<string, string>;
  /** The Secret key holding the API key it sends. */
  secretRef: SecretRef;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function secretRefs(config: SmartbotEnvironment): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const m of modelSet(config).models) if (isRemote(m)) refs.push(m.auth.secretRef);
  if (config.cache.redis.enabled && config.cache.redis.secretRef) refs.push(config.cache.redis.secretRef);
  return refs;
}

/** Secret references grouped by Secret, names and keys sorted (volumes, ExternalSecrets). */
export function secretsByName(refs: SecretRef[]): Map<string, string[]> {
  const secrets = new Map<string, string[]>();
  for (const ref of refs) secrets.set(ref.name, [...new Set([...(secrets.get(ref.name) ?? []), ref.key])].sort());
  return new Map([...secrets].sort(([a], [b]) => a.localeCompare(b)));
}

export function renderContext(env: string, source: string, config: SmartbotEnvironment, keyringJson: string): RenderContext {
  const name = config.service.name;
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': env };
  const runtime = serviceConfig(env, config);
  const models = modelSet(config);
  const labels = {
    ...selector,
    'app.kubernetes.io/version': config.service.version,
    'app.kubernetes.io/part-of': 'smartbot',
    'app.kubernetes.io/managed-by': 'smartbot',
  };
  return {
    env,
    source,
    config,
    models,
    local: models.models.some(isLocal),
    name,
    namespace: config.sync.namespace,
    selector,
    labels,
    runtime,
    runtimeJson: `${JSON.stringify(runtime, null, 2)}\n`,
    keyringJson: keyringJson.endsWith('\n') ? keyringJson : `${keyringJson}\n`,
    secrets: secretsByName(secretRefs(config)),
    ...(config.verify.enabled ? { smoke: smokeJob(env, name, labels, config.verify.secretRef) } : {}),
  };
}

function smokeJob(env: string, service: string, labels: Record<string, string>, secretRef: SecretRef): SmokeJob {
  const name = `${service}-smoke`;
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': env };
  return { name, selector, labels: { ...labels, ...selector, 'app.kubernetes.io/component': 'smoke' }, secretRef };
}
