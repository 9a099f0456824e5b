// Step 5: one valid environment → every rendered file, as text, in a stable order.
//   rendered/<env>/kubernetes/*.yaml + kustomization.yaml
//   rendered/<env>/compose/docker-compose.yml
//   rendered/<env>/argocd/application.yaml or rendered/<env>/flux/flux.yaml
//   rendered/<env>/verify/ (Flux with `verify` on: the smoke Job + kustomization.yaml)
//   rendered/<env>/prometheus-adapter/rules.yaml (autoscaling engine hpa: the adapter's rule, applied by hand)
import type { SmartbotEnvironment } from '../contract/environment.js';
import { adapterRules, autoscalerObjects } from './autoscaling.js';
import { composeView } from './compose.js';
import { renderContext, type RenderContext } from './context.js';
import { gitopsFile } from './gitops.js';
import { kubernetesObjects, type ObjectFile } from './kubernetes.js';
import { renderTemplate } from './templates.js';
import { smokeObjects } from './verify.js';

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

/** The header line of the last source rendered: every file of an environment has the same one, and a template call costs more than the text. */
let lastHeader: { source: string; text: string } | undefined;
function withHeader(source: string, body: string): string {
  if (lastHeader?.source !== source) lastHeader = { source, text: renderTemplate('header', { source }) };
  return `${lastHeader.text}${body.endsWith('\n') ? body : `${body}\n`}`;
}

/** <dir>/<object files> and the kustomization.yaml listing them; nothing for no objects. */
function kustomizeTree(ctx: RenderContext, dir: string, objects: ObjectFile[]): RenderedFile[] {
  if (objects.length === 0) return [];
  const files = objects.map((o) => ({ path: `${dir}/${o.file}`, text: withHeader(ctx.source, renderTemplate(o.template, o.view)) }));
  files.push({ path: `${dir}/kustomization.yaml`, text: withHeader(ctx.source, renderTemplate('kustomization', { namespace: ctx.namespace, resources: objects.map((o) => o.file) })) });
  return files;
}

export function renderEnvironment(input: RenderInput): RenderedFile[] {
  const ctx = renderContext(input.name, input.source, input.config, input.keyringJson);
  const smoke = smokeObjects(ctx);
  const files = [...kustomizeTree(ctx, 'kubernetes', [...kubernetesObjects(ctx), ...autoscalerObjects(ctx), ...smoke.kubernetes]), ...kustomizeTree(ctx, 'verify', smoke.verify)];
  const a = ctx.config.autoscaling;
  if (a.enabled && a.engine === 'hpa') files.push({ path: 'prometheus-adapter/rules.yaml', text: withHeader(ctx.source, renderTemplate('prometheus-adapter-rules', adapterRules())) });
  files.push({ path: 'compose/docker-compose.yml', text: withHeader(ctx.source, renderTemplate('docker-compose', composeView(ctx))) });
  const gitops = gitopsFile(ctx);
  files.push({ path: gitops.file, text: withHeader(ctx.source, renderTemplate(gitops.template, gitops.view)) });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
