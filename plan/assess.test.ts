// The risk checks the golden cases do not reach, each on the smallest pair of models.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mergeValues } from '../validation/load/layers.js';
import { assess, type SideFacts } from './assess.js';
import { MEASURED_KNEE_PERCENT } from '../contract/scaling.js';
import { RISKS } from './risks.js';

const at = { file: 'environments/x.yaml', line: 1 };
/** A side: the enterprise-ish base below, with `yaml` merged over it. */
const side = (yaml = '', keys?: { id: string; scopes: ('chat' | 'admin')[]; expires?: string; status?: 'active' | 'revoked' }[]): SideFacts => ({
  config: mergeValues(
    parse(`tier: enterprise
replicas: 3
autoscaling: {enabled: false, min: 2, max: 4}
service: {image: "ghcr.io/x/svc@sha256:${'a'.repeat(64)}", runtimeImage: "ghcr.io/x/rt:1"}
model: {source: remote}
security:
  keyring: {file: keyrings/x.json}
  jwt: {keys: [{kid: k1, publicKey: KEY1, status: active}], issuer: smartbot}
  tls: {enabled: true, minVersion: "1.3"}
  ipAllowlist: [10.0.0.0/8]
monitoring:
  alerts:
    cpuPercent: {threshold: 80, for: 1m}
    p99LatencySeconds: {threshold: 2, for: 5m}
sync: {cluster: https://a.example.com}
`),
    parse(yaml) ?? {},
  ) as SideFacts['config'],
  keyringFile: 'keyrings/x.json',
  keyring: { version: 2, keys: (keys ?? [{ id: 'app', scopes: ['chat'] }]).map((k) => ({ name: k.id, status: 'active', created: '2026-01-05T10:00:00.000Z', notBefore: '2026-01-05T10:00:00.000Z', ...k, sha256: 'x' })) },
});

const ids = (base: SideFacts | undefined, head: SideFacts | undefined) =>
  assess({ ...(base ? { base } : {}), ...(head ? { head } : {}), sourceOf: () => at }).map((f) => `${f.id}: ${f.reason}`);

describe('risk checks', () => {
  it('raises nothing when nothing changes', () => {
    expect(ids(side(), side())).toEqual([]);
  });

  it('TLS off', () => {
    expect(ids(side(), side('security: {tls: {enabled: false}}'))).toEqual(['tls-disabled: TLS is turned off: clients and API keys travel in clear text']);
  });

  it('allowlist: widened, opened to the world, emptied; a narrower range is no risk', () => {
    expect(ids(side(), side('security: {ipAllowlist: [10.0.0.0/8, 192.168.0.0/16]}'))).toEqual(['allowlist-widened: the allowlist admits new ranges: 192.168.0.0/16']);
    expect(ids(side(), side('security: {ipAllowlist: [10.1.0.0/16]}'))).toEqual([]);
    expect(ids(side(), side('security: {ipAllowlist: [10.0.0.0/8, "::/0"]}'))).toEqual(['allowlist-open-world: ::/0 added to the allowlist: the service is reachable from any address']);
    expect(ids(side(), side('security: {ipAllowlist: []}'))).toEqual([
      'allowlist-open-world: the allowlist is emptied (an empty allowlist admits everyone): the service is reachable from any address',
    ]);
  });

  it('auth: JWT removed, replaced or its issuer dropped; an admin key added; every key revoked; another keyring', () => {
    const jwtless = side();
    delete (jwtless.config.security as { jwt?: unknown }).jwt;
    expect(ids(side(), jwtless)).toEqual(['auth-removed: JWT verification is removed: clients that use it are locked out']);
    expect(ids(side(), side('security: {jwt: {keys: [{kid: k2, publicKey: KEY2, status: active}]}}'))).toEqual(['auth-opened: JWTs signed by the key "k2" are accepted: more callers can authenticate']);
    // A rotation's retiring key still verifies; a revoked one does not count.
    expect(ids(side(), side('security: {jwt: {keys: [{kid: k1, publicKey: KEY1, status: retiring, retiresAt: "2026-01-06T00:00:00Z"}, {kid: k2, publicKey: KEY2, status: revoked}]}}'))).toEqual([]);
    const issuerless = side();
    delete (issuerless.config.security!.jwt as { issuer?: string }).issuer;
    expect(ids(side(), issuerless)).toEqual(['auth-opened: the JWT issuer check is dropped: more callers can authenticate']);
    expect(ids(side(), side('', [{ id: 'app', scopes: ['chat'] }, { id: 'ops', scopes: ['admin'] }]))).toEqual([
      'auth-opened: API key "ops" with admin scope is added to keyrings/x.json: more callers can authenticate',
    ]);
    expect(ids(side(), side('', []))).toEqual(['auth-removed: every API key in keyrings/x.json is revoked: clients that use it are locked out']);
    expect(ids(side(), side('', [{ id: 'app', scopes: ['chat'], status: 'revoked' }]))).toEqual(['auth-removed: every API key in keyrings/x.json is revoked: clients that use it are locked out']);
    expect(ids(side(), { ...side('security: {keyring: {file: keyrings/dev.json}}'), keyringFile: 'keyrings/dev.json' })).toEqual([
      'auth-opened: the keyring switches from keyrings/x.json to keyrings/dev.json: more callers can authenticate',
    ]);
  });

  it('enterprise below 2 pods, by replicas or by autoscaling.min', () => {
    expect(ids(side(), side('replicas: 1'))).toEqual(['enterprise-replicas-below-2: replicas is 1 on the enterprise tier: one pod, so every restart is an outage']);
    expect(ids(side(), side('autoscaling: {enabled: true, min: 1}'))).toEqual([
      'enterprise-replicas-below-2: autoscaling.min is 1 on the enterprise tier: one pod, so every restart is an outage',
    ]);
  });

  it('scaling: autoscaling.max lowered, or the target raised past the measured knee; the reverse does not', () => {
    const scaled = (max: number, target: number) => side(`autoscaling: {enabled: true, max: ${max}, targetBusyPercent: ${target}}`);
    const knee = MEASURED_KNEE_PERCENT;
    expect(ids(scaled(8, 40), scaled(6, 40))).toEqual([
      'autoscaling-max-lowered: autoscaling.max lowered from 8 to 6: at peak the pods stop growing sooner, and once their sequences are full requests queue and p99 climbs',
    ]);
    expect(ids(scaled(8, 40), scaled(8, knee + 5))).toEqual([
      `autoscaling-target-past-knee: autoscaling.targetBusyPercent raised from 40 to ${knee + 5}, past the measured knee (${knee} %): p99 climbs before a new pod is asked for, and keeps climbing while it loads the model`,
    ]);
    // Turning autoscaling on with a target past the knee is the same risk.
    expect(ids(side(), scaled(8, knee + 5))).toEqual([
      `autoscaling-target-past-knee: autoscaling.targetBusyPercent set to ${knee + 5}, past the measured knee (${knee} %): p99 climbs before a new pod is asked for, and keeps climbing while it loads the model`,
    ]);
    // More pods, a lower target, a target at the knee, or a target lowered while still past it: nothing.
    expect(ids(scaled(6, 40), scaled(8, 30))).toEqual([]);
    expect(ids(scaled(8, 40), scaled(8, knee))).toEqual([]);
    expect(ids(scaled(8, knee + 10), scaled(8, knee + 5))).toEqual([]);
  });

  it('alerts: a raised threshold or a longer window loosens; the reverse does not', () => {
    expect(ids(side(), side('monitoring: {alerts: {cpuPercent: {threshold: 95}, p99LatencySeconds: {for: 1h}}}'))).toEqual([
      'alert-loosened: alert cpuPercent loosened (threshold 80 → 95): it fires later or not at all',
      'alert-loosened: alert p99LatencySeconds loosened (for 5m → 1h): it fires later or not at all',
    ]);
    expect(ids(side(), side('monitoring: {alerts: {cpuPercent: {threshold: 70, for: 30s}}}'))).toEqual([]);
  });

  it('a mutable image tag, for a changed image or a new environment', () => {
    expect(ids(side(), side('service: {image: ghcr.io/x/svc:2.0}'))).toEqual([
      'image-mutable-tag: service.image ghcr.io/x/svc:2.0 has no @sha256 digest: the tag can be moved to different code without a change here',
    ]);
    expect(ids(undefined, side('service: {image: ghcr.io/x/svc:2.0}'))).toEqual([
      'image-mutable-tag: service.image ghcr.io/x/svc:2.0 has no @sha256 digest: the tag can be moved to different code without a change here',
    ]);
  });

  it('a model whose size changes under the same sha256', () => {
    const local = (size: number) => side(`model: {source: local, path: /m.gguf, sha256: ${'b'.repeat(64)}, sizeBytes: ${size}}\nservice: {runtimeImage: "r@sha256:${'c'.repeat(64)}"}`);
    expect(ids(local(1), local(2))).toEqual([
      'model-sha256-unchanged: the model changes (1 bytes → 2 bytes) but model.sha256 does not: the new file fails its integrity check, or the old digest vouches for a different file',
    ]);
  });

  it('a sync target on another cluster', () => {
    expect(ids(side(), side('sync: {cluster: https://b.example.com}'))).toEqual([
      'sync-cluster-changed: the sync target moves from https://a.example.com to https://b.example.com: the workload starts on the new cluster and is left running, unmanaged, on the old one',
    ]);
  });

  it('several models: a removed id, another default, and a local model falling back to a remote one where no prompt left the cluster', () => {
    const several = (models: string[], defaultModel: string) => {
      const s = side(`models: [${models.join(', ')}]\ndefaultModel: ${defaultModel}\nservice: {runtimeImage: "r@sha256:${'c'.repeat(64)}"}`);
      delete s.config.model;
      return s;
    };
    const local = (id: string, fallbacks = '[]') => `{id: ${id}, source: local, path: /${id}.gguf, sha256: ${'b'.repeat(64)}, fallbacks: ${fallbacks}}`;
    const hosted = '{id: hosted, source: remote, endpoint: https://api.example.com/v1, model: big}';
    expect(ids(several([local('small'), local('large')], 'small'), several([local('small', '[hosted]'), hosted], 'hosted'))).toEqual([
      'model-id-removed: model large is no longer served (now: small, hosted): clients that send it as `model` get 404 model_not_found',
      "default-model-changed: the default model changes from small to hosted: requests that name no model (the guide's /api/v1/chat among them) get another model's answers",
      'fallback-egress: small → hosted: an environment whose models were all local (its NetworkPolicy allowed no egress to a model API) now sends prompts out of the cluster whenever a local model cannot answer',
    ]);
    // A remote model was served already: prompts left the cluster before, so the fallback adds no egress.
    expect(ids(several([local('small'), hosted], 'small'), several([local('small', '[hosted]'), hosted], 'small'))).toEqual([]);
    // One model to several: the single model's id (its file's name) stays served and stays the default.
    const single = side(`model: {source: local, path: /small.gguf, sha256: ${'b'.repeat(64)}}\nservice: {runtimeImage: "r@sha256:${'c'.repeat(64)}"}`);
    expect(ids(single, several([local('small'), local('large')], 'small'))).toEqual([]);
  });

  it('every catalogue entry has a summary and a reason, and blocking ones are the dangerous ones', () => {
    for (const def of Object.values(RISKS)) expect(def.summary).toMatch(/\.$/);
    expect(Object.entries(RISKS).filter(([, d]) => d.blocking).map(([id]) => id).sort()).toEqual([
      'allowlist-open-world',
      'audit-rewritten',
      'enterprise-replicas-below-2',
      'fallback-egress',
      'model-sha256-unchanged',
      'prune-deletes-namespace',
      'prune-deletes-pvc',
      'sync-cluster-changed',
      'tls-disabled',
      'tls-min-version-lowered',
    ]);
  });

  it('flags an enterprise restart for a monitoring-only change, and nothing when something else changes too, or for the base tier', () => {
    const field = (path: string) => ({ path, pointer: `/${path.replace(/\./g, '/')}`, before: 1, after: 2, source: at, tierDefault: false });
    const restarts = [{ id: 'Deployment ns/svc', why: ['config checksum'] }];
    const raised = (head: SideFacts, fields: ReturnType<typeof field>[], r = restarts) => assess({ base: side(), head, fields, restarts: r, sourceOf: () => at }).map((f) => `${f.id}: ${f.reason}`);
    expect(raised(side(), [field('monitoring.alerts.cpuPercent.threshold')])).toEqual([
      'restart-monitoring-only: only monitoring settings change, yet Deployment ns/svc restarts its pods (config checksum): every pod is replaced and the model reloaded for a monitoring-only edit',
    ]);
    expect(raised(side(), [field('monitoring.alerts.cpuPercent.threshold'), field('replicas')])).toEqual([]);
    expect(raised(side(), [field('monitoring.alerts.cpuPercent.threshold')], [])).toEqual([]);
    expect(raised(side('tier: base'), [field('monitoring.alerts.cpuPercent.threshold')])).toEqual([]);
    expect(RISKS['restart-monitoring-only'].blocking).toBe(false);
  });
});
