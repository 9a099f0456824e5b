// Cluster bootstrap objects: an Argo CD Application or a Flux GitRepository + Kustomization,
// for the engine the environment names, pointing at rendered/<env>/kubernetes. With Flux and
// `verify` on, a second Kustomization applies rendered/<env>/verify (the smoke Job) after the
// app's is ready, recreating the Job when it changes (force) and waiting for it (wait).
import type { RenderContext } from './context.js';
import { smokeDeadlineSeconds } from './verify.js';

const IN_CLUSTER = 'https://kubernetes.default.svc';

export function gitopsFile(ctx: RenderContext): { file: string; template: string; view: object } {
  const { sync } = ctx.config;
  const path = `rendered/${ctx.env}/kubernetes`;
  const labels = { 'app.kubernetes.io/part-of': 'smartbot', 'app.kubernetes.io/instance': ctx.env };
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
