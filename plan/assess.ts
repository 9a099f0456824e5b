// The risk checks: each compares the two sides of one environment and raises risks from the
// catalogue (risks.ts) by id. Inputs are the merged models (present even when a side does not
// validate), the keyring files, and what the sync engine will delete.
import { BlockList } from 'node:net';
import type { SmartbotEnvironment } from '../contract/environment.js';
import { WORKFLOW_KEY_FILE } from '../contract/audit-log.js';
import { AUDIT_LOG_FILE, type KeyringFile } from '../contract/keyring-file.js';
import { modelSet, type ModelSet, type ModelsHolder } from '../contract/models.js';
import { MEASURED_KNEE_PERCENT } from '../contract/scaling.js';
import { describeChange, historyChanges } from '../keys/append-only.js';
import { PROMETHEUS_DURATION } from '../validation/policy/alerts.js';
import { parseCidr } from '../validation/text/cidr.js';
import type { FieldChange, SourceLine } from './model-diff.js';
import type { PruneReport } from './prune.js';
import type { Restart } from './restarts.js';
import { flag, type RiskFlag } from './risks.js';

/** Loosely typed: a side that fails the schema still has a merged model worth comparing. */
type Config = Partial<SmartbotEnvironment> & Record<string, unknown>;

export interface SideFacts {
  config: Config;
  /** keyrings/<env>.json as committed, when readable. */
  keyring?: KeyringFile;
  keyringFile?: string;
}

export interface AssessInput {
  base?: SideFacts;
  head?: SideFacts;
  prune?: PruneReport;
  /** The field-level changes, and the workloads whose pods merging replaces. */
  fields?: readonly FieldChange[];
  restarts?: readonly Restart[];
  /** Where a pointer's value is written on the head side (the base side for a removed value). */
  sourceOf: (pointer: string) => SourceLine | undefined;
}

type Check = (input: AssessInput, raise: (f: RiskFlag) => void) => void;

const OPEN_WORLD = new Set(['0.0.0.0/0', '::/0']);

/** Whether `cidr` lies inside one of `ranges` (node's BlockList does the address arithmetic). */
function covered(cidr: string, ranges: readonly string[]): boolean {
  const c = parseCidr(cidr);
  if (!c.ok) return false;
  return ranges.some((r) => {
    const p = parseCidr(r);
    if (!p.ok || p.cidr.family !== c.cidr.family || p.cidr.prefix > c.cidr.prefix) return false;
    const list = new BlockList();
    const family = p.cidr.family === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(p.cidr.address, p.cidr.prefix, family);
    return list.check(c.cidr.address, family);
  });
}

const DURATION_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];
function durationMs(s: unknown): number | undefined {
  const m = typeof s === 'string' ? PROMETHEUS_DURATION.exec(s) : null;
  return m ? m.slice(1).reduce((ms, n, i) => ms + Number(n ?? 0) * DURATION_MS[i]!, 0) : undefined;
}

const tls: Check = ({ base, head, sourceOf }, raise) => {
  const a = base?.config.security?.tls;
  const b = head?.config.security?.tls;
  if (!a?.enabled || !b) return;
  if (b.enabled === false) raise(flag('tls-disabled', {}, sourceOf('/security/tls/enabled')));
  else if (Number(b.minVersion) < Number(a.minVersion)) raise(flag('tls-min-version-lowered', { from: a.minVersion, to: b.minVersion }, sourceOf('/security/tls/minVersion')));
};

const allowlist: Check = ({ base, head, sourceOf }, raise) => {
  const after = head?.config.security?.ipAllowlist;
  if (!Array.isArray(after)) return;
  const before = base?.config.security?.ipAllowlist;
  // Located only when raised: locating a value the environment file wrote reads its places (a full parse).
  const at = () => sourceOf('/security/ipAllowlist');
  const opened = after.filter((c) => OPEN_WORLD.has(c) && !before?.includes(c));
  if (opened.length) return raise(flag('allowlist-open-world', { what: `${opened.join(' and ')} added to the allowlist` }, at()));
  if (!Array.isArray(before)) return;
  if (before.length > 0 && after.length === 0) return raise(flag('allowlist-open-world', { what: 'the allowlist is emptied (an empty allowlist admits everyone)' }, at()));
  const added = after.filter((c) => !before.includes(c) && !covered(c, before));
  if (added.length && before.length > 0) raise(flag('allowlist-widened', { added }, at()));
};

const auth: Check = ({ base, head, sourceOf }, raise) => {
  if (!base || !head) return;
  const a = base.config.security?.jwt;
  const b = head.config.security?.jwt;
  if (a && !b) raise(flag('auth-removed', { what: 'JWT verification is removed' }, sourceOf('/security/jwt')));
  if (!a && b) raise(flag('auth-opened', { what: 'JWTs signed by a new key are accepted' }, sourceOf('/security/jwt/keys')));
  // A signing key that verifies now and did not before (a rotation adds one): new signers.
  const verifies = (k: { status: string }) => k.status !== 'revoked';
  if (a && b)
    for (const k of b.keys.filter((k) => verifies(k) && !a.keys.some((o) => verifies(o) && o.kid === k.kid && o.publicKey.trim() === k.publicKey.trim())))
      raise(flag('auth-opened', { what: `JWTs signed by the key "${k.kid}" are accepted` }, sourceOf('/security/jwt/keys')));
  if (a?.issuer && b && !b.issuer) raise(flag('auth-opened', { what: 'the JWT issuer check is dropped' }, sourceOf('/security/jwt')));
  if (a?.audience && b && !b.audience) raise(flag('auth-opened', { what: 'the JWT audience check is dropped' }, sourceOf('/security/jwt')));
  if (base.keyringFile && head.keyringFile && base.keyringFile !== head.keyringFile)
    raise(flag('auth-opened', { what: `the keyring switches from ${base.keyringFile} to ${head.keyringFile}` }, sourceOf('/security/keyring/file')));
  else if (base.keyring && head.keyring) {
    const where = { file: head.keyringFile!, line: 1 };
    // Revoked keys stay in a keyring (with status revoked): only live ones let anyone in.
    const live = (keys: KeyringFile['keys']) => keys.filter((k) => k.status !== 'revoked');
    const before = new Map(live(base.keyring.keys).map((k) => [k.id, k]));
    for (const k of live(head.keyring.keys)) {
      const old = before.get(k.id);
      if (k.scopes?.includes('admin') && !old?.scopes?.includes('admin')) raise(flag('auth-opened', { what: `API key "${k.id}" with admin scope is added to ${head.keyringFile}` }, where));
      else if (old?.expires && !k.expires) raise(flag('auth-opened', { what: `API key "${k.id}" no longer expires` }, where));
    }
    if (live(base.keyring.keys).length > 0 && live(head.keyring.keys).length === 0) raise(flag('auth-removed', { what: `every API key in ${head.keyringFile} is revoked` }, where));
  }
};

const enterpriseReplicas: Check = ({ head, sourceOf }, raise) => {
  const c = head?.config;
  if (c?.tier !== 'enterprise') return;
  if (typeof c.replicas === 'number' && c.replicas < 2 && !c.autoscaling?.enabled) raise(flag('enterprise-replicas-below-2', { field: 'replicas', value: c.replicas }, sourceOf('/replicas')));
  if (c.autoscaling?.enabled && c.autoscaling.min < 2) raise(flag('enterprise-replicas-below-2', { field: 'autoscaling.min', value: c.autoscaling.min }, sourceOf('/autoscaling/min')));
};

/** Scaling changes that cost latency at peak: fewer pods allowed, or pods asked for only past the knee. */
const scaling: Check = ({ base, head, sourceOf }, raise) => {
  const a = base?.config.autoscaling;
  const b = head?.config.autoscaling;
  if (!b?.enabled) return;
  if (a?.enabled && typeof a.max === 'number' && typeof b.max === 'number' && b.max < a.max) raise(flag('autoscaling-max-lowered', { from: a.max, to: b.max }, sourceOf('/autoscaling/max')));
  const was = a?.enabled ? a.targetBusyPercent : undefined;
  const now = b.targetBusyPercent;
  if (typeof now === 'number' && now > MEASURED_KNEE_PERCENT && (was === undefined || now > was))
    raise(flag('autoscaling-target-past-knee', { ...(was === undefined ? {} : { from: was }), to: now, knee: MEASURED_KNEE_PERCENT }, sourceOf('/autoscaling/targetBusyPercent')));
};

const alerts: Check = ({ base, head, sourceOf }, raise) => {
  const a = base?.config.monitoring?.alerts as Record<string, { threshold: number; for: string }> | undefined;
  const b = head?.config.monitoring?.alerts as Record<string, { threshold: number; for: string }> | undefined;
  if (!a || !b) return;
  for (const [name, now] of Object.entries(b)) {
    const was = a[name];
    if (!was) continue;
    // Every alert fires above its threshold once `for` has passed: higher or longer is looser.
    if (now.threshold > was.threshold) raise(flag('alert-loosened', { alert: name, what: `threshold ${was.threshold} → ${now.threshold}` }, sourceOf(`/monitoring/alerts/${name}/threshold`)));
    const [t0, t1] = [durationMs(was.for), durationMs(now.for)];
    if (t0 !== undefined && t1 !== undefined && t1 > t0) raise(flag('alert-loosened', { alert: name, what: `for ${was.for} → ${now.for}` }, sourceOf(`/monitoring/alerts/${name}/for`)));
  }
};

const mutableImages: Check = ({ base, head, sourceOf }, raise) => {
  const c = head?.config;
  if (!c?.service) return;
  const fields = [['image', c.service.image], ...(modelsOf(head)?.models.some((m) => m.source === 'local') ? [['runtimeImage', c.service.runtimeImage]] : [])] as [string, string][];
  for (const [field, image] of fields) {
    const before = base?.config.service?.[field as 'image'];
    if (typeof image === 'string' && !image.includes('@sha256:') && image !== before) raise(flag('image-mutable-tag', { field: `service.${field}`, image }, sourceOf(`/service/${field}`)));
  }
};

const modelDigest: Check = ({ base, head, sourceOf }, raise) => {
  const a = base?.config.model;
  const b = head?.config.model;
  if (a?.source !== 'local' || b?.source !== 'local' || a.sha256 !== b.sha256) return;
  if (a.path !== b.path) raise(flag('model-sha256-unchanged', { from: a.path, to: b.path }, sourceOf('/model/path')));
  else if (a.sizeBytes !== undefined && b.sizeBytes !== undefined && a.sizeBytes !== b.sizeBytes)
    raise(flag('model-sha256-unchanged', { from: `${a.sizeBytes} bytes`, to: `${b.sizeBytes} bytes` }, sourceOf('/model/sizeBytes')));
};

/** A side's models, when it has a readable set (a side that fails the schema may not). */
function modelsOf(side: SideFacts | undefined): ModelSet | undefined {
  try {
    return side && modelSet(side.config as ModelsHolder);
  } catch {
    return undefined;
  }
}

/** Model ids clients may name: removed ones, a new default, and a new way for prompts to leave the cluster. */
const models: Check = ({ base, head, sourceOf }, raise) => {
  const a = modelsOf(base);
  const b = modelsOf(head);
  if (!a || !b) return;
  const served = b.models.map((m) => m.id);
  const removed = a.models.map((m) => m.id).filter((id) => !served.includes(id));
  const at = (set: ModelSet) => sourceOf(set.several ? '/models' : '/model');
  if (removed.length) raise(flag('model-id-removed', { ids: removed, served }, at(b)));
  if (a.defaultModel !== b.defaultModel) raise(flag('default-model-changed', { from: a.defaultModel, to: b.defaultModel }, sourceOf(b.several ? '/defaultModel' : '/model')));
  if (a.models.some((m) => m.source === 'remote')) return;
  const remote = new Set(b.models.filter((m) => m.source === 'remote').map((m) => m.id));
  const paths = b.models.filter((m) => m.source === 'local').flatMap((m) => (m.fallbacks ?? []).filter((to) => remote.has(to)).map((to) => `${m.id} → ${to}`));
  const first = b.models.findIndex((m) => m.source === 'local' && m.fallbacks?.some((to) => remote.has(to)));
  if (paths.length) raise(flag('fallback-egress', { paths }, sourceOf(`${b.pointers[first]}/fallbacks`)));
};

const prune: Check = ({ prune }, raise) => {
  if (!prune) return;
  const pvcs = prune.deletes.filter((id) => id.startsWith('PersistentVolumeClaim '));
  const namespaces = prune.deletes.filter((id) => id.startsWith('Namespace '));
  if (pvcs.length) raise(flag('prune-deletes-pvc', { objects: pvcs, why: prune.why }));
  if (namespaces.length) raise(flag('prune-deletes-namespace', { objects: namespaces, why: prune.why }));
};

const syncTarget: Check = ({ base, head, sourceOf }, raise) => {
  const a = base?.config.sync?.cluster;
  const b = head?.config.sync?.cluster;
  if (a && b && a !== b) raise(flag('sync-cluster-changed', { from: a, to: b }, sourceOf('/sync/cluster')));
};

/** A monitoring-only edit should reach the PrometheusRule, not the pods of an enterprise environment. */
const monitoringRestart: Check = ({ head, fields, restarts }, raise) => {
  if (head?.config.tier !== 'enterprise' || !restarts?.length || !fields?.length) return;
  if (!fields.every((f) => f.path === 'monitoring' || f.path.startsWith('monitoring.'))) return;
  const why = [...new Set(restarts.flatMap((r) => r.why))].join(', ');
  raise(flag('restart-monitoring-only', { workloads: restarts.map((r) => r.id).join(', '), why }, fields[0]!.source));
};

export const CHECKS: Check[] = [tls, allowlist, auth, enterpriseReplicas, scaling, alerts, mutableImages, modelDigest, models, prune, syncTarget, monitoringRestart];

export function assess(input: AssessInput): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const check of CHECKS) check(input, (f) => flags.push(f));
  return flags;
}

/**
 * The key audit history against the base (keys/append-only.ts): every changed or removed line,
 * or a changed or removed workflow key, is a blocking risk, on the environment the base's line
 * names (or every environment, for the workflow key).
 */
export function assessAuditHistory(base: { log?: string | undefined; workflowKey?: string | undefined }, head: { log?: string | undefined; workflowKey?: string | undefined }, environments: string[]): { flag: RiskFlag; environments: string[] }[] {
  const baseLines = (base.log ?? '').split('\n');
  const envOf = (line: number) => /"env":("(?:[^"\\]|\\.)*")/.exec(baseLines[line - 1] ?? '')?.[1];
  return historyChanges(base, head).map((c) => {
    const what = describeChange(c, AUDIT_LOG_FILE, WORKFLOW_KEY_FILE);
    if (c.kind === 'workflow-key') return { flag: flag('audit-rewritten', { what }, { file: WORKFLOW_KEY_FILE, line: 1 }), environments };
    const env = envOf(c.line);
    return { flag: flag('audit-rewritten', { what }, { file: AUDIT_LOG_FILE, line: c.line }), environments: env ? [JSON.parse(env) as string] : environments };
  });
}
