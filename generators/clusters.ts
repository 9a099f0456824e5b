// The fleet's objects, grouped by destination cluster (sync.cluster, with its repository and
// revision): rendered/_clusters/<cluster>/, one directory per group.
//   argocd/applicationset.yaml  one ApplicationSet for the group's environments with
//                               sync.applicationSet: a git files generator over
//                               rendered/*/argocd/appset-<cluster>.yaml, the elements each
//                               environment renders (gitops.ts)
//   argocd/kustomization.yaml   the group's Argo CD objects: that ApplicationSet and the
//                               Applications of the others — one entry point per cluster
//   flux/kustomization.yaml     the group's Flux GitRepositories and Kustomizations
// A kustomization here lists files of environments' trees (../../../<env>/…): Flux builds it
// with the repository as its root; plain kustomize needs --load-restrictor LoadRestrictionsNone.
import { LAYOUT } from '../contract/paths.js';
import { clusterSlug, type SyncTarget } from './gitops.js';
import type { RenderedFile } from './index.js';
import { renderTemplate } from './templates.js';

const header = () => renderTemplate('header', { source: 'the sync settings of every environments/<env>.yaml' });
const up = (env: string, file: string) => `../../../${env}/${file}`;

/** Automated sync, prune and self-heal per element, as an Application of its own would have them. */
const TEMPLATE_PATCH = `{{- if .automated }}
spec:
  syncPolicy:
    automated:
      prune: {{ .prune }}
      selfHeal: {{ .selfHeal }}
{{- end }}
`;

/** Every file under rendered/_clusters/, relative to it, sorted; none without environments. */
export function clusterFiles(targets: readonly SyncTarget[]): RenderedFile[] {
  const groups = new Map<string, SyncTarget[]>();
  for (const t of targets) {
    const slug = clusterSlug(t);
    const members = groups.get(slug);
    if (members) members.push(t);
    else groups.set(slug, [t]);
  }
  const files: RenderedFile[] = [];
  const add = (path: string, body: string) => files.push({ path, text: `${header()}${body.endsWith('\n') ? body : `${body}\n`}` });
  for (const [slug, members] of groups) {
    const envs = [...members].sort((a, b) => (a.env < b.env ? -1 : 1));
    const { cluster, repoURL, revision } = envs[0]!;
    const argo = envs.filter((t) => t.engine === 'argocd');
    const flux = envs.filter((t) => t.engine === 'flux');
    const sets = argo.filter((t) => t.applicationSet);
    if (sets.length)
      add(
        `${slug}/argocd/applicationset.yaml`,
        renderTemplate('argocd-applicationset', {
          name: `smartbot-${slug}`,
          labels: { 'app.kubernetes.io/part-of': 'smartbot' },
          repoURL,
          revision,
          cluster,
          elements: `${LAYOUT.rendered}/*/argocd/appset-${slug}.yaml`,
          appName: '{{.name}}',
          appLabels: { 'app.kubernetes.io/part-of': 'smartbot', 'app.kubernetes.io/instance': '{{.environment}}' },
          appPath: '{{.path}}',
          appNamespace: '{{.namespace}}',
          templatePatch: TEMPLATE_PATCH,
        }),
      );
    if (argo.length) {
      const resources = [...(sets.length ? ['applicationset.yaml'] : []), ...argo.filter((t) => !t.applicationSet).map((t) => up(t.env, 'argocd/application.yaml'))];
      add(`${slug}/argocd/kustomization.yaml`, renderTemplate('cluster-kustomization', { resources }));
    }
    if (flux.length) add(`${slug}/flux/kustomization.yaml`, renderTemplate('cluster-kustomization', { resources: flux.map((t) => up(t.env, 'flux/flux.yaml')) }));
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
