// The one catalogue of risks `smartbot plan` flags: stable ids, whether a flag blocks the merge
// (plan exits 1), and the reason a reviewer reads. Checks (assess.ts) raise a risk by id with
// its parameters and never write reason text of their own, as with validation/rules.ts.

interface RiskDef<P> {
  /** A blocking risk fails the plan (exit 1) and the pull request's status. */
  blocking: boolean;
  /** One line for the README's table. */
  summary: string;
  reason: (p: P) => string;
}

const risk = <P>(def: RiskDef<P>): RiskDef<P> => def;
const list = (xs: readonly string[]) => xs.join(', ');

export const RISKS = {
  'tls-disabled': risk<Record<string, never>>({
    blocking: true,
    summary: 'TLS was on and is turned off.',
    reason: () => 'TLS is turned off: clients and API keys travel in clear text',
  }),
  'tls-min-version-lowered': risk<{ from: string; to: string }>({
    blocking: true,
    summary: 'TLS minVersion lowered.',
    reason: (p) => `TLS minVersion lowered from ${p.from} to ${p.to}: older, weaker protocol versions are accepted again`,
  }),
  'allowlist-open-world': risk<{ what: string }>({
    blocking: true,
    summary: 'The allowlist now admits every address (0.0.0.0/0, ::/0, or emptied).',
    reason: (p) => `${p.what}: the service is reachable from any address`,
  }),
  'allowlist-widened': risk<{ added: string[] }>({
    blocking: false,
    summary: 'The allowlist admits addresses it did not before.',
    reason: (p) => `the allowlist admits new ranges: ${list(p.added)}`,
  }),
  'auth-opened': risk<{ what: string }>({
    blocking: false,
    summary: 'More callers can authenticate: an admin key added, a JWT signer trusted or its issuer check dropped, another keyring.',
    reason: (p) => `${p.what}: more callers can authenticate`,
  }),
  'auth-removed': risk<{ what: string }>({
    blocking: false,
    summary: 'A way to authenticate is removed: JWT verification dropped, or every API key revoked.',
    reason: (p) => `${p.what}: clients that use it are locked out`,
  }),
  'enterprise-replicas-below-2': risk<{ field: string; value: number }>({
    blocking: true,
    summary: 'An enterprise environment would run fewer than 2 pods.',
    reason: (p) => `${p.field} is ${p.value} on the enterprise tier: one pod, so every restart is an outage`,
  }),
  'autoscaling-max-lowered': risk<{ from: number; to: number }>({
    blocking: false,
    summary: 'autoscaling.max lowered: fewer pods at peak.',
    reason: (p) => `autoscaling.max lowered from ${p.from} to ${p.to}: at peak the pods stop growing sooner, and once their sequences are full requests queue and p99 climbs`,
  }),
  'autoscaling-target-past-knee': risk<{ from?: number; to: number; knee: number }>({
    blocking: false,
    summary: 'The autoscaling target raised past the measured knee (contract/scaling.ts): pods are added only after p99 has started to climb.',
    reason: (p) =>
      `autoscaling.targetBusyPercent ${p.from === undefined ? 'set to' : `raised from ${p.from} to`} ${p.to}, past the measured knee (${p.knee} %): p99 climbs before a new pod is asked for, and keeps climbing while it loads the model`,
  }),
  'alert-loosened': risk<{ alert: string; what: string }>({
    blocking: false,
    summary: 'An alert threshold raised or its window lengthened: it fires later, or never.',
    reason: (p) => `alert ${p.alert} loosened (${p.what}): it fires later or not at all`,
  }),
  'image-mutable-tag': risk<{ field: string; image: string }>({
    blocking: false,
    summary: 'An image is referenced by tag without a digest.',
    reason: (p) => `${p.field} ${p.image} has no @sha256 digest: the tag can be moved to different code without a change here`,
  }),
  'model-sha256-unchanged': risk<{ from: string; to: string }>({
    blocking: true,
    summary: 'The model file changes but its sha256 does not.',
    reason: (p) => `the model changes (${p.from} → ${p.to}) but model.sha256 does not: the new file fails its integrity check, or the old digest vouches for a different file`,
  }),
  'model-id-removed': risk<{ ids: string[]; served: string[] }>({
    blocking: false,
    summary: 'A model id the environment served is gone: clients that name it get 404.',
    reason: (p) => `model ${list(p.ids)} is no longer served (now: ${list(p.served)}): clients that send it as \`model\` get 404 model_not_found`,
  }),
  'default-model-changed': risk<{ from: string; to: string }>({
    blocking: false,
    summary: 'Requests that name no model are answered by another model.',
    reason: (p) => `the default model changes from ${p.from} to ${p.to}: requests that name no model (the guide's /api/v1/chat among them) get another model's answers`,
  }),
  'fallback-egress': risk<{ paths: string[] }>({
    blocking: true,
    summary: 'A local model falls back to a remote one in an environment that sent no prompt out of the cluster.',
    reason: (p) => `${list(p.paths)}: an environment whose models were all local (its NetworkPolicy allowed no egress to a model API) now sends prompts out of the cluster whenever a local model cannot answer`,
  }),
  'prune-deletes-pvc': risk<{ objects: string[]; why: string }>({
    blocking: true,
    summary: 'The sync engine will delete a PersistentVolumeClaim (its data goes with it).',
    reason: (p) => `${p.why} deletes ${list(p.objects)}: the volume's data is lost`,
  }),
  'prune-deletes-namespace': risk<{ objects: string[]; why: string }>({
    blocking: true,
    summary: 'The sync engine will delete a Namespace (and everything in it).',
    reason: (p) => `${p.why} deletes ${list(p.objects)} and everything in it`,
  }),
  'sync-cluster-changed': risk<{ from: string; to: string }>({
    blocking: true,
    summary: 'The sync target moves to another cluster.',
    reason: (p) => `the sync target moves from ${p.from} to ${p.to}: the workload starts on the new cluster and is left running, unmanaged, on the old one`,
  }),
  'audit-rewritten': risk<{ what: string }>({
    blocking: true,
    summary: 'An existing line of the key audit history changes, entries are removed from it, or the workflow key is changed or removed: the history only grows.',
    reason: (p) => `${p.what}: the key history is append-only, and a rewritten entry can carry a key nobody recorded`,
  }),
  'restart-monitoring-only': risk<{ workloads: string; why: string }>({
    blocking: false,
    summary: 'An enterprise environment restarts its pods for a change that touches only monitoring settings.',
    reason: (p) => `only monitoring settings change, yet ${p.workloads} restarts its pods (${p.why}): every pod is replaced and the model reloaded for a monitoring-only edit`,
  }),
  'tier-ripple': risk<{ file: string; environments: number }>({
    blocking: false,
    summary: 'A tier file change reaches several environments at once.',
    reason: (p) => `${p.file} changes defaults of ${p.environments} environments at once`,
  }),
} as const;

export type RiskId = keyof typeof RISKS;
export type RiskParams<R extends RiskId> = Parameters<(typeof RISKS)[R]['reason']>[0];

export interface RiskFlag {
  id: RiskId;
  blocking: boolean;
  reason: string;
  /** The line that raised it, when one line did. */
  source?: { file: string; line: number };
}

export function flag<R extends RiskId>(id: R, params: RiskParams<R>, source?: { file: string; line: number }): RiskFlag {
  // Each entry's reason takes that entry's params; TS cannot correlate the union here.
  const def = RISKS[id] as unknown as RiskDef<unknown>;
  return { id, blocking: def.blocking, reason: def.reason(params), ...(source ? { source } : {}) };
}
