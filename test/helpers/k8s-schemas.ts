// Proof that rendered objects are valid Kubernetes 1.36 / CRD objects, by the published models:
//  1. kubernetes-models' own validate() (types, required fields, enums, formats);
//  2. an unknown-field check: those models accept unknown fields, so every object is also
//     type-checked by the TypeScript compiler against the models' declared interfaces, whose
//     excess-property check rejects a typo like `readinesProbe`.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './env.js';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
  [k: string]: unknown;
}

export interface Located {
  file: string;
  object: K8sObject;
}

const PACKAGE_BY_GROUP: Record<string, string> = {
  'argoproj.io': '@kubernetes-models/argo-cd',
  'source.toolkit.fluxcd.io': '@kubernetes-models/flux-cd',
  'kustomize.toolkit.fluxcd.io': '@kubernetes-models/flux-cd',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'external-secrets.io': '@kubernetes-models/external-secrets',
  'keda.sh': '@kubernetes-models/keda',
};

/** The module exporting the model class and interface for an apiVersion. */
export function modelModule(apiVersion: string): string {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  return `${PACKAGE_BY_GROUP[group] ?? 'kubernetes-models'}/${apiVersion}`;
}

const label = (o: Located) => `${o.file}: ${o.object.kind}/${o.object.metadata?.name ?? '?'}`;

/** Errors from each model class's validate(); [] when all are valid. */
export async function validateWithModels(objects: Located[]): Promise<string[]> {
  const errors: string[] = [];
  for (const o of objects) {
    const mod = (await import(modelModule(o.object.apiVersion))) as Record<string, new (d: unknown) => { validate(): void }>;
    const Model = mod[o.object.kind];
    if (!Model) {
      errors.push(`${label(o)}: no model for ${o.object.apiVersion} ${o.object.kind}`);
      continue;
    }
    try {
      new Model(o.object).validate();
    } catch (e) {
      errors.push(`${label(o)}: ${(e as Error).message}`);
    }
  }
  return errors;
}

/** Fields the models do not declare, found by the TypeScript compiler's excess-property check. */
export function unknownFields(objects: Located[]): string[] {
  // Inside the repository, so the compiler resolves the models from node_modules.
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, '.tmp', 'k8s-check-'));
  const file = join(dir, 'objects.ts');
  const imports = objects.map((o, i) => `import type { I${o.object.kind} as T${i} } from '${modelModule(o.object.apiVersion)}';\n`);
  let text = imports.join('');
  let line = imports.length;
  /** 0-based first line of each object's literal, to map diagnostics back. */
  const starts: number[] = [];
  objects.forEach((o, i) => {
    starts.push(line);
    const chunk = `export const o${i}: T${i} = ${JSON.stringify(o.object, null, 1)};\n`;
    text += chunk;
    line += chunk.split('\n').length - 1;
  });
  writeFileSync(file, text);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  });
  const out: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    let index = starts.length - 1;
    while (index > 0 && starts[index]! > line) index--;
    const where = line >= 0 && index >= 0 ? label(objects[index]!) : 'objects.ts';
    out.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  return out;
}

