// Emits YAML text directly (no round-trip through a YAML library: ~4× faster, and the output
// is fully determined here). Any string that is not unambiguously plain is written as a
// JSON string, which is valid YAML: so `:`, `#`, quotes, newlines or `{{` in a value can
// never break out of it or inject keys.

const PLAIN = /^[A-Za-z_/.][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*$/;
/** Plain scalars YAML 1.1 or 1.2 would read as something other than a string. */
const AMBIGUOUS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** Rendered strings repeat across objects and environments (labels, names, ports): each is judged once per run. */
const SCALARS = new Map<string, string>();
const MAX_SCALARS = 50_000;

export function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot render non-finite number ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = String(v);
  const short = s.length <= 80;
  let out = short ? SCALARS.get(s) : undefined;
  if (out === undefined) {
    out = PLAIN.test(s) && !AMBIGUOUS.test(s) && !/^[0-9.]/.test(s) ? s : JSON.stringify(s);
    if (short) {
      if (SCALARS.size >= MAX_SCALARS) SCALARS.clear();
      SCALARS.set(s, out);
    }
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const PADS: string[] = [];
const padOf = (n: number) => (PADS[n] ??= ' '.repeat(n));

/** Block YAML for a value, every line prefixed by `indent` spaces. Key order is insertion order. */
export function block(value: unknown, indent = 0): string {
  const lines: string[] = [];
  emit(value, indent, lines);
  return lines.join('\n');
}

/** block's lines, appended to `out` (one array for the whole value, joined once). */
function emit(value: unknown, indent: number, out: string[]): void {
  const pad = padOf(indent);
  if (isMap(value)) {
    const start = out.length;
    for (const k of Object.keys(value)) {
      const v = value[k];
      if (v === undefined) continue;
      const key = scalar(k);
      if (isMap(v) && Object.keys(v).length > 0) {
        out.push(`${pad}${key}:`);
        emit(v, indent + 2, out);
      } else if (Array.isArray(v) && v.length > 0) {
        out.push(`${pad}${key}:`);
        emit(v, indent, out);
      } else out.push(`${pad}${key}: ${inline(v)}`);
    }
    if (out.length === start) out.push(`${pad}{}`);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return void out.push(`${pad}[]`);
    for (const item of value) {
      if (isMap(item) && Object.keys(item).length > 0) {
        // The item's first line follows the dash; the rest keep the item's indentation.
        const first = out.length;
        emit(item, indent + 2, out);
        out[first] = `${pad}- ${out[first]!.slice(indent + 2)}`;
      } else if (Array.isArray(item) && item.length > 0) {
        out.push(`${pad}-`);
        emit(item, indent + 2, out);
      } else out.push(`${pad}- ${inline(item)}`);
    }
    return;
  }
  out.push(`${pad}${scalar(value)}`);
}

function inline(v: unknown): string {
  if (isMap(v)) return '{}';
  if (Array.isArray(v)) return '[]';
  return scalar(v);
}

/** A multi-line string as a literal block scalar (`|`), for embedded config files. */
export function literal(text: string, indent: number): string {
  const pad = padOf(indent);
  const ends = text.endsWith('\n');
  const t = ends ? text.slice(0, -1) : text;
  // Every non-empty line indented, empty lines left empty: one replace, not a split, map and join.
  const body = (t.length > 0 && t[0] !== '\n' ? pad : '') + t.replace(/\n(?=[^\n])/g, `\n${pad}`);
  return `|${ends ? '' : '-'}\n${body}`;
}
