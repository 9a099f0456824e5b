// Emits YAML text directly (no round-trip through a YAML library: ~4× faster, and the output
// is fully determined here). Any string that is not unambiguously plain is written as a
// JSON string, which is valid YAML: so `:`, `#`, quotes, newlines or `{{` in a value can
// never break out of it or inject keys.

const PLAIN = /^[A-Za-z_/.][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*$/;
/** Plain scalars YAML 1.1 or 1.2 would read as something other than a string. */
const AMBIGUOUS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

export function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot render non-finite number ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = String(v);
  return PLAIN.test(s) && !AMBIGUOUS.test(s) && !/^[0-9.]/.test(s) ? s : JSON.stringify(s);
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Block YAML for a value, every line prefixed by `indent` spaces. Key order is insertion order. */
export function block(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (isMap(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return `${pad}{}`;
    return entries
      .map(([k, v]) => {
        const key = scalar(k);
        if (isMap(v) && Object.keys(v).length > 0) return `${pad}${key}:\n${block(v, indent + 2)}`;
        if (Array.isArray(v) && v.length > 0) return `${pad}${key}:\n${block(v, indent)}`;
        return `${pad}${key}: ${inline(v)}`;
      })
      .join('\n');
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]`;
    return value
      .map((item) => {
        if (isMap(item) && Object.keys(item).length > 0) {
          const inner = block(item, indent + 2);
          return `${pad}- ${inner.slice(indent + 2)}`;
        }
        if (Array.isArray(item) && item.length > 0) return `${pad}-\n${block(item, indent + 2)}`;
        return `${pad}- ${inline(item)}`;
      })
      .join('\n');
  }
  return `${pad}${scalar(value)}`;
}

function inline(v: unknown): string {
  if (isMap(v)) return '{}';
  if (Array.isArray(v)) return '[]';
  return scalar(v);
}

/** A multi-line string as a literal block scalar (`|`), for embedded config files. */
export function literal(text: string, indent: number): string {
  const pad = ' '.repeat(indent);
  const body = text.replace(/\n$/, '').split('\n').map((l) => (l ? pad + l : '')).join('\n');
  return `|${text.endsWith('\n') ? '' : '-'}\n${body}`;
}
