// Step 3: the merged environment against schemas/environment.schema.json, compiled once with
// ajv (2020-12, strict, formats). ajv's errors become catalogue diagnostics at the place the
// offending value (or key) was written, with the field's schema description as the fix hint.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { report, type Diagnostic, type Location } from '../diagnostics.js';
import { placeOf, type LayeredEnvironment } from '../load/layers.js';
import { pointerJoin } from '../load/yaml-source.js';
import { closest } from '../text/suggest.js';
import { schemaPath } from '../../contract/paths.js';
import type { SmartbotEnvironment } from '../../contract/environment.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

export interface JsonSchemaNode {
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  [k: string]: unknown;
}

export const environmentSchema: JsonSchemaNode = JSON.parse(readFileSync(schemaPath, 'utf8'));

/** A node with its local `$ref` (#/$defs/…) resolved; the node's own keywords win. */
export function resolveRef(node: JsonSchemaNode): JsonSchemaNode {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const target = ref.slice(2).split('/').reduce<unknown>((acc, k) => (acc as Record<string, unknown>)[k], environmentSchema) as JsonSchemaNode;
  const { $ref: _ref, ...own } = node;
  return { ...target, ...own };
}

/** Pointers of the fields marked `x-public` (digests, public keys, image refs), across all variants. */
export const publicPointers: ReadonlySet<string> = (() => {
  const out = new Set<string>();
  const visit = (node: JsonSchemaNode, pointer: string) => {
    const n = resolveRef(node);
    if (n['x-public'] === true) out.add(pointer);
    for (const v of (n.oneOf as JsonSchemaNode[] | undefined) ?? []) visit(v, pointer);
    for (const [k, child] of Object.entries(n.properties ?? {})) visit(child, `${pointer}/${k}`);
    // List items: "*" stands for any index (see isPublicPointer).
    if (n.items && typeof n.items === 'object') visit(n.items as JsonSchemaNode, `${pointer}/*`);
  };
  visit(environmentSchema, '');
  return out;
})();

/** Whether the value at `pointer` (list indices included) is a field marked `x-public`. */
export const isPublicPointer = (pointer: string) => publicPointers.has(pointer.replace(/\/\d+(?=\/|$)/g, '/*'));

let compiled: ValidateFunction<SmartbotEnvironment> | undefined;

/** Compiled on first use (≈ 100–200 ms), then shared by every environment in the run. */
export function environmentValidator(): ValidateFunction<SmartbotEnvironment> {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true, discriminator: true });
    addFormats(ajv);
    // Annotation: the value is public (digest, public key, image) and skipped by the secret scan.
    ajv.addKeyword({ keyword: 'x-public', schemaType: 'boolean' });
    compiled = ajv.compile<SmartbotEnvironment>(environmentSchema);
  }
  return compiled;
}

/** "security.ipAllowlist[0]" for "/security/ipAllowlist/0". */
export function fieldName(pointer: string): string {
  if (pointer === '') return '(top level)';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

const article = (t: string) => (t === 'integer' ? 'an integer' : t === 'object' ? 'a map' : t === 'array' ? 'a list' : `a ${t}`);

function hintOf(schema: JsonSchemaNode | undefined): string {
  if (!schema) return 'See docs/reference.md.';
  const def = schema.default === undefined ? '' : ` Default: ${JSON.stringify(schema.default)}.`;
  return `${schema.description ?? 'See docs/reference.md.'}${def}`;
}

/** Where a missing key belongs: the environment file, at the deepest ancestor it wrote. */
function placeForMissing(env: LayeredEnvironment, pointer: string): Location {
  const own = env.layers[env.layers.length - 1]!;
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const place = own.places.get(p);
    if (place && p !== '') return { file: env.file, ...(place.key ?? place.value) };
    if (p === '') return { file: env.file, line: 1, col: 1 };
  }
}

function toDiagnostic(env: LayeredEnvironment, e: ErrorObject): Diagnostic | undefined {
  const field = fieldName(e.instancePath);
  const parent = e.parentSchema as JsonSchemaNode | undefined;
  const at = placeOf(env, e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(parent?.properties ?? {});
      const suggestion = closest(key, known);
      return report(
        'schema-unknown-key',
        { key, where: field, known: known.join(', '), ...(suggestion ? { suggestion } : {}) },
        placeOf(env, badPointer(e), 'key'),
      );
    }
    case 'required':
    case 'dependentRequired': {
      // dependentRequired (`models` needs `defaultModel`) is reported at the key that needs it.
      const { missingProperty: key, property } = e.params as { missingProperty: string; property?: string };
      const at = property === undefined ? placeForMissing(env, e.instancePath) : placeOf(env, pointerJoin(e.instancePath, property), 'key');
      return report('schema-required', { key, where: field, hint: hintOf(parent?.properties?.[key]) }, at);
    }
    case 'type':
      return report('schema-type', { field, expected: String(e.params.type).split(',').map(article).join(' or '), got: describeValue(e.data), hint: hintOf(parent) }, at);
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const suggestion = typeof e.data === 'string' ? closest(e.data, allowed.map(String)) : undefined;
      return report('schema-enum', { field, allowed: allowed.map((a) => JSON.stringify(a)).join(', '), got: describeValue(e.data), ...(suggestion ? { suggestion } : {}) }, at);
    }
    case 'discriminator':
      return report('schema-model-source', { got: describeValue((e.data as Record<string, unknown> | null)?.source) }, placeOf(env, `${e.instancePath}/source`));
    case 'const':
    case 'pattern':
    case 'format':
    case 'minLength':
    case 'maxLength':
      return report('schema-format', { field, got: describeValue(e.data), hint: hintOf(parent) }, at);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minItems':
    case 'maxItems': {
      const { comparison, limit } = e.params as { comparison?: string; limit: number };
      const bound = comparison ? `${comparison} ${limit}` : `${e.keyword === 'minItems' ? 'at least' : 'at most'} ${limit} items`;
      return report('schema-range', { field, bound, got: describeValue(e.data), hint: hintOf(parent) }, at);
    }
    case 'oneOf':
    case 'if':
      return undefined; // reported by the discriminator, the branch's or the `then` clause's own errors
    default:
      return report('schema-format', { field, got: `${describeValue(e.data)} (${e.message ?? e.keyword})`, hint: hintOf(parent) }, at);
  }
}

/** Where an ajv error makes the data untrustworthy: the missing or unknown key itself, else the value. */
function badPointer(e: ErrorObject): string {
  const p = e.params as { missingProperty?: string; additionalProperty?: string };
  const key = p.missingProperty ?? p.additionalProperty;
  return key === undefined ? e.instancePath : pointerJoin(e.instancePath, key);
}

export interface SchemaResult {
  diagnostics: Diagnostic[];
  /** JSON pointers the schema rejected; policies reading them are skipped. */
  badPointers: string[];
}

export function checkSchema(env: LayeredEnvironment): SchemaResult {
  const validate = environmentValidator();
  if (validate(env.value)) return { diagnostics: [], badPointers: [] };
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const errors = validate.errors ?? [];
  for (const e of errors) {
    const d = toDiagnostic(env, e);
    if (!d) continue;
    const id = `${d.file}:${d.line}:${d.col}:${d.message}`;
    if (!seen.has(id)) diagnostics.push(d), seen.add(id);
  }
  return { diagnostics, badPointers: errors.map(badPointer) };
}
