// Cluster bootstrap objects: an Argo CD Application or a Flux GitRepository + Kustomization,
// for the engine the environment names, pointing at rendered/<env>/kubernetes. With Flux and
// `verify` on, a second Kustomization applies rendered/<env>/verify (the smoke Job) after the
// app's is ready, recreating the Job when it changes (force) and waiting for it (wait).
// With Argo CD and `sync.applicationSet`, the environment is instead one element of its
// cluster's ApplicationSet (clusters.ts renders the set): a small YAML file its git files
// generator reads, named after the cluster so each set finds exactly its own.
import { createHash } from 'node:crypto';
import type { SmartbotEnvironment } from '../contract/environment.js';
import { LAYOUT } from '../contract/paths.js';
import type { RenderContext } from './context.js';
import { smokeDeadlineSeconds } from './verify.js';

const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Where and how an environment is synced: what grouping by cluster needs of it. */
export interface SyncTarget {
  env: string;
  engine: 'argocd' | 'flux';
  cluster: string;
  repoURL: string;
  revision: string;
  applicationSet: boolean;
}

export const syncTarget = (env: string, config: SmartbotEnvironment): SyncTarget => ({
  env,
  engine: config.sync.engine,
  cluster: config.sync.cluster,
  repoURL: config.sync.repoURL,
  revision: config.sync.revision,
  applicationSet: config.sync.engine === 'argocd' && config.sync.applicationSet === true,
});

/**
 * A cluster group's name: the cluster's host (or name) as a DNS label, and a short hash of the
 * cluster, repository and revision, so two groups never share one and each environment
 * computes its own without knowing the others. `https://kubernetes.default.svc` reads in-cluster.
 */
export function clusterSlug(t: Pick<SyncTarget, 'cluster' | 'repoURL' | 'revision'>): string {
  const host = t.cluster === IN_CLUSTER ? 'in-cluster' : (/^[a-z]+:\/\/([^/]+)/i.exec(t.cluster)?.[1] ?? t.cluster);
  const label = host.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'cluster';
  const hash = createHash('sha256').update(`${t.cluster}\n${t.repoURL}\n${t.revision}`).digest('hex').slice(0, 8);
  return `${label}-${hash}`;
}

export function gitopsFile(ctx: RenderContext): { file: string; template: string; view: object } {
  const { sync } = ctx.config;
  const path = `${LAYOUT.rendered}/${ctx.env}/kubernetes`;
  const labels = { 'app.kubernetes.io/part-of': 'smartbot', 'app.kubernetes.io/instance': ctx.env };
  if (sync.engine === 'argocd' && sync.applicationSet) {
    const slug = clusterSlug(sync);
    return {
      file: `argocd/appset-${slug}.yaml`,
      template: 'argocd-appset-element',
      view: { applicationSet: `smartbot-${slug}`, slug, environment: ctx.env, name: `smartbot-${ctx.env}`, namespace: ctx.namespace, path, automated: sync.autoSync, prune: sync.prune, selfHeal: sync.selfHeal ?? true },
    };
  }
  if (sync.engine === 'argocd') {
    return {
      file: 'argocd/application.yaml',
      template: 'argocd-application',
      view: {
        name: `smartbot-${ctx.env}`,
        labels,
        repoURL: sync.repoURL,
        revision: sync.revision,
        path,
        cluster: sync.cluster,
        namespace: ctx.namespace,
        syncPolicy: {
          ...(sync.autoSync ? { automated: { prune: sync.prune, selfHeal: sync.selfHeal ?? true } } : {}),
          syncOptions: ['ServerSideApply=true'],
        },
      },
    };
  }
  return {
    file: 'flux/flux.yaml',
    template: 'flux',
    view: {
      name: `smartbot-${ctx.env}`,
      labels,
      repoURL: sync.repoURL,
      revision: sync.revision,
      path: `./${path}`,
      prune: sync.prune,
      suspend: !sync.autoSync,
      namespace: ctx.namespace,
      // Flux applies to its own cluster unless given a kubeconfig for another one.
      kubeConfigSecret: sync.cluster === IN_CLUSTER ? undefined : `${sync.cluster.replace(/[^a-z0-9-]+/g, '-')}-kubeconfig`,
      // The wait outlasts the Job's own deadline, so a slow smoke fails as the Job, not as a timeout.
      check: ctx.smoke ? { name: `smartbot-${ctx.env}-smoke`, path: `./rendered/${ctx.env}/verify`, timeout: `${smokeDeadlineSeconds(ctx) + 60}s` } : undefined,
    },
  };
}
