// Step 5: one valid environment → every rendered file, as text, in a stable order.
//   rendered/<env>/kubernetes/*.yaml + kustomization.yaml
//   rendered/<env>/compose/docker-compose.yml
//   rendered/<env>/argocd/application.yaml or rendered/<env>/flux/flux.yaml
import type { SmartbotEnvironment } from '../contract/environment.js';
import { composeView } from './compose.js';
import { renderContext } from './context.js';
import { gitopsFile } from './gitops.js';
import { kubernetesObjects } from './kubernetes.js';
import { renderTemplate } from './templates.js';

export interface RenderedFile {
  /** Relative to rendered/<env>/. */
  path: string;
  text: string;
}

export interface RenderInput {
  name: string;
  /** The environment file, as named in headers (environments/<env>.yaml). */
  source: string;
  config: SmartbotEnvironment;
  keyringJson: string;
}

function withHeader(source: string, body: string): string {
  return `${renderTemplate('header', { source })}${body.endsWith('\n') ? body : `${body}\n`}`;
}

export function renderEnvironment(input: RenderInput): RenderedFile[] {
  const ctx = renderContext(input.name, input.source, input.config, input.keyringJson);
  const objects = kubernetesObjects(ctx);
  const files: RenderedFile[] = objects.map((o) => ({ path: `kubernetes/${o.file}`, text: withHeader(ctx.source, renderTemplate(o.template, o.view)) }));
  files.push({
    path: 'kubernetes/kustomization.yaml',
    text: withHeader(ctx.source, renderTemplate('kustomization', { namespace: ctx.namespace, resources: objects.map((o) => o.file) })),
  });
  files.push({ path: 'compose/docker-compose.yml', text: withHeader(ctx.source, renderTemplate('docker-compose', composeView(ctx))) });
  const gitops = gitopsFile(ctx);
  files.push({ path: gitops.file, text: withHeader(ctx.source, renderTemplate(gitops.template, gitops.view)) });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
