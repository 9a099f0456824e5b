// The handlebars templates in generators/templates, compiled once per process. Templates
// only lay out text; values go through the YAML-safe helpers: {{s x}} (scalar),
// {{{block x indent}}} (nested maps/lists), {{{lit text indent}}} (literal block).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from '../contract/paths.js';
import { block, literal, scalar } from './yaml-text.js';

const hb = Handlebars.create();
hb.registerHelper('s', (v: unknown) => scalar(v));
hb.registerHelper('block', (v: unknown, indent: number) => block(v, indent));
hb.registerHelper('lit', (text: string, indent: number) => literal(text, indent));

export { templatesDir };

type Template = (view: object, options?: object) => string;
let compiled: Map<string, Template> | undefined;

function load(): Map<string, Template> {
  const out = new Map<string, Template>();
  for (const f of readdirSync(templatesDir).filter((f) => f.endsWith('.hbs')).sort()) {
    // strict: a view missing a field the template names is a bug, not an empty string.
    out.set(f.slice(0, -4), hb.compile(readFileSync(join(templatesDir, f), 'utf8'), { noEscape: true, strict: true }));
  }
  return out;
}

// Each top-level handlebars call copies and wraps every helper and builds its prototype-access
// lists anew (≈ 3 µs a call: 15 % of rendering a fleet's 250,000 files). Nothing of that set-up
// changes between calls here, so it is made once and handed to every call the way handlebars
// hands it to a partial (its runtime's `partial` options, handlebars pinned at 4.7.8). The one
// difference, helpers not passed `lookupProperty`, matters only to the `lookup` helper, which
// the templates do not use (templates.test.ts). Property access control is handlebars' default.
const { createProtoAccessControl } = createRequire(import.meta.url)('handlebars/dist/cjs/handlebars/internal/proto-access.js') as { createProtoAccessControl(options: object): object };
const MISSING = ['helperMissing', 'blockHelperMissing'];
const callOptions = {
  partial: true,
  helpers: Object.fromEntries(Object.entries(hb.helpers).filter(([k]) => !MISSING.includes(k))),
  hooks: Object.fromEntries(MISSING.map((k) => [k, hb.helpers[k]])),
  protoAccessControl: createProtoAccessControl({}),
};

export function renderTemplate(name: string, view: object): string {
  compiled ??= load();
  const t = compiled.get(name);
  if (!t) throw new Error(`no template generators/templates/${name}.hbs`);
  return t(view, callOptions);
}
