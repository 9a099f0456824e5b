// What the sync engine deletes when a change is synced, read from the rendered bootstrap
// objects themselves (Argo CD Application, Flux Kustomization), not guessed from the config:
// - the bootstrap object is kept: objects gone from rendered/<env>/kubernetes are deleted when
//   it prunes (Argo CD `automated.prune`, Flux `prune`), else left running, unmanaged;
// - the bootstrap object goes (environment deleted or renamed, engine switched): Argo CD's
//   resources finalizer deletes every object of the Application; Flux garbage-collects them
//   only when the Kustomization prunes.
// An element of a cluster's ApplicationSet stands for the Application the set generates from
// it: with the resources finalizer (clusters.ts's template), pruning when automated and prune.
import { APPSET_ELEMENT, type PlanObject } from './objects.js';

export interface PruneReport {
  /** Deleted from the cluster when this change syncs. */
  deletes: string[];
  /** Gone from the rendering but left running (prune off). */
  orphans: string[];
  /** The mechanism, for the reader: "Argo CD Application smartbot-prod prunes (automated.prune)". */
  why: string;
}

const isBootstrap = (o: PlanObject) => !o.synced && (o.kind === 'Application' || o.kind === 'Kustomization' || o.kind === APPSET_ELEMENT);
const get = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined), v);

export function pruneReport(base: PlanObject[] | undefined, head: PlanObject[] | undefined): PruneReport | undefined {
  if (!base) return undefined;
  const boot = base.find(isBootstrap);
  if (!boot) return undefined;
  const headIds = new Set((head ?? []).map((o) => o.id));
  const synced = base.filter((o) => o.synced).map((o) => o.id).sort();
  // Read from the parsed object only when something is deleted or orphaned.
  const gone = synced.filter((id) => !headIds.has(id));
  if (headIds.has(boot.id) && gone.length === 0) return undefined;
  const element = boot.kind === APPSET_ELEMENT;
  const name = String(element ? get(boot.value, 'name') : get(boot.value, 'metadata', 'name'));
  const argo = boot.kind === 'Application' || element;

  if (!headIds.has(boot.id)) {
    // The bootstrap object itself is deleted: everything it managed goes with it, or is orphaned.
    const finalizers = get(boot.value, 'metadata', 'finalizers');
    const cascades = element || (argo ? Array.isArray(finalizers) && finalizers.includes('resources-finalizer.argocd.argoproj.io') : get(boot.value, 'spec', 'prune') === true);
    const why = argo
      ? `deleting Argo CD Application ${name}${cascades ? ' (its resources finalizer cascades)' : ''}`
      : `deleting Flux Kustomization ${name}${cascades ? ' (prune: true garbage-collects)' : ' (prune: false)'}`;
    return cascades ? { deletes: synced, orphans: [], why } : { deletes: [], orphans: synced, why };
  }

  const now = head!.find((o) => o.id === boot.id)!;
  const prunes = element ? get(now.value, 'automated') === true && get(now.value, 'prune') === true : argo ? get(now.value, 'spec', 'syncPolicy', 'automated', 'prune') === true : get(now.value, 'spec', 'prune') === true;
  const why = argo
    ? `Argo CD Application ${name} ${prunes ? 'prunes (automated.prune: true)' : 'does not prune automatically (sync.prune: false or autoSync off)'}`
    : `Flux Kustomization ${name} ${prunes ? 'prunes (prune: true)' : 'does not prune (prune: false)'}`;
  return prunes ? { deletes: gone, orphans: [], why } : { deletes: [], orphans: gone, why };
}
