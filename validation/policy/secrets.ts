// No secret material inline anywhere, in the environment file or its tier files.
// Two detectors: the field's name (password, token, api_key, …) and the value's shape
// (known token formats, credentials in URLs, private keys — contract/secrets.ts, the rule
// every printer masks with — and high-entropy strings).
// Fields the schema marks `x-public` (digests, public keys, images) skip the entropy test only:
// a private key pasted into a public-key field is still caught.
import { SECRET_NAME, SECRET_SHAPES } from '../../contract/secrets.js';
import { report, type Diagnostic } from '../diagnostics.js';
import { isPlainObject } from '../load/layers.js';
import { pointerJoin, type YamlSource } from '../load/yaml-source.js';
import { fieldName, isPublicPointer } from '../schema/check.js';

/** Keys whose values are references to secrets, not secrets. */
const REFERENCE_KEYS = new Set(['secretRef', 'secretName']);

/** Strings at least this long with at least this many bits of entropy per character. */
export const ENTROPY_MIN_LENGTH = 24;
export const ENTROPY_MIN_BITS = 4.0;

export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Why a string value looks like a secret, or undefined. Public fields skip only the entropy test. */
export function secretShape(value: string, isPublic = false): string | undefined {
  for (const { re, what } of SECRET_SHAPES) if (re.test(value)) return what;
  if (isPublic) return undefined;
  for (const word of value.split(/\s+/)) {
    // URLs and paths are structured text, not key material; their secrets are caught above.
    if (word.length < ENTROPY_MIN_LENGTH || word.includes('://') || word.startsWith('/')) continue;
    if (!/[a-z]/i.test(word) || !/\d/.test(word)) continue;
    const bits = shannonEntropy(word);
    if (bits >= ENTROPY_MIN_BITS) return `a random-looking string, ${bits.toFixed(1)} bits of entropy per character`;
  }
  return undefined;
}

/** What a masked secret shows instead of its text: what it looks like, never a character of it. */
export const masked = (why: string) => `<secret masked: ${why}>`;

/** Whether a value at `key` (its field name) is secret material by the scanner's rule: its shape, or a key that names a secret. */
export function secretReason(value: string, key?: string, isPublic = false): string | undefined {
  if (value === '') return undefined;
  return secretShape(value, isPublic) ?? (key && !REFERENCE_KEYS.has(key) && SECRET_NAME.test(key) ? `the key \`${key}\` names a secret` : undefined);
}

const TOKEN = /[^\s"'`,;()[\]{}<>|=]+/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;

/**
 * The one masking rule for text printed anywhere (a source line, a diff, a message): each word
 * shaped like a known secret — a token format, a password in a URL, a private key — shows as
 * `masked(why)`. The entropy test is left out: digests and public keys are random by design.
 */
export function maskSecrets(text: string): string {
  const out = text.replace(PRIVATE_KEY_BLOCK, () => masked('a private key'));
  return out.replace(TOKEN, (word) => {
    const why = secretShape(word, true);
    return why ? masked(why) : word;
  });
}

/** A configuration value with every secret string in it masked (by its shape or its key), as validate judges them. */
export function maskValue(value: unknown, pointer = ''): unknown {
  if (typeof value === 'string') {
    // The field's own name; a list item is named by its list.
    const key = pointer.split('/').reverse().find((k) => k !== '' && !/^\d+$/.test(k));
    const why = secretReason(value, key, isPublicPointer(pointer));
    return why ? masked(why) : value;
  }
  if (Array.isArray(value)) return value.map((v, i) => maskValue(v, pointerJoin(pointer, i)));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, REFERENCE_KEYS.has(k) ? v : maskValue(v, pointerJoin(pointer, k))]));
  return value;
}

export function scanSecrets(layer: YamlSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  const walk = (value: unknown, pointer: string, key: string | undefined, underRef: boolean) => {
    if (isPlainObject(value) || Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, pointerJoin(pointer, k), Array.isArray(value) ? key : k, underRef || REFERENCE_KEYS.has(k));
      return;
    }
    if (typeof value !== 'string' || value === '' || underRef) return;
    const shape = secretShape(value, isPublicPointer(pointer));
    const why = shape ?? (key && SECRET_NAME.test(key) ? `the key \`${key}\` names a secret` : undefined);
    if (!why) return;
    // Places are looked up only for a finding (a file read by the fast path reads them then).
    const place = layer.places.get(pointer);
    const at = { file: layer.file, ...(place?.value ?? { line: 1, col: 1 }) };
    // The caret's source line shows where the value starts, never the value.
    out.push(withMaskedSource(report('secret-inline', { field: fieldName(pointer), why }, at), at.col, why));
  };
  walk(layer.value, '', undefined, false);
  return out;
}

function withMaskedSource(d: Diagnostic, col: number, why: string): Diagnostic {
  return d.source === undefined ? d : { ...d, source: `${d.source.slice(0, col - 1)}${masked(why)}` };
}
