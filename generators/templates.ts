// The handlebars templates in generators/templates, compiled once per process. Templates
// only lay out text; values go through the YAML-safe helpers: {{s x}} (scalar),
// {{{block x indent}}} (nested maps/lists), {{{lit text indent}}} (literal block).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../contract/paths.js';
import { block, literal, scalar } from './yaml-text.js';

const hb = Handlebars.create();
hb.registerHelper('s', (v: unknown) => scalar(v));
hb.registerHelper('block', (v: unknown, indent: number) => block(v, indent));
hb.registerHelper('lit', (text: string, indent: number) => literal(text, indent));

export const templatesDir = join(packageRoot, 'generators', 'templates');

type Template = (view: object) => string;
let compiled: Map<string, Template> | undefined;

function load(): Map<string, Template> {
  const out = new Map<string, Template>();
  for (const f of readdirSync(templatesDir).filter((f) => f.endsWith('.hbs')).sort()) {
    // strict: a view missing a field the template names is a bug, not an empty string.
    out.set(f.slice(0, -4), hb.compile(readFileSync(join(templatesDir, f), 'utf8'), { noEscape: true, strict: true }));
  }
  return out;
}

export function renderTemplate(name: string, view: object): string {
  compiled ??= load();
  const t = compiled.get(name);
  if (!t) throw new Error(`no template generators/templates/${name}.hbs`);
  return t(view);
}
