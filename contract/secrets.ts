// The one secret rule: what a secret looks like, by its shape (known token formats, a password
// in a URL, a private key, a smartbot API key) or by the name it is given (password, token,
// api_key, …). `smartbot validate` refuses such values in files (validation/policy/secrets.ts
// detects with these shapes); everything that prints text it did not write — smoke, doctor,
// plan — masks them with `maskSecrets`. Here, in contract/, because smoke's post-sync Job runs
// from the service image, which ships no validation code.
import { API_KEY_SHAPE } from './keyring-file.js';

/** Known secret formats, each with how much of its start may be shown (the kind, never the secret). */
export const SECRET_SHAPES: { re: RegExp; what: string; keep: number }[] = [
  { re: /\bsk-[A-Za-z0-9_-]{16,}/, what: 'an API secret key "sk-…"', keep: 3 },
  { re: /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/, what: 'a GitHub token', keep: 4 },
  { re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/, what: 'a Slack token', keep: 5 },
  { re: /\bAKIA[0-9A-Z]{16}\b/, what: 'an AWS access key id', keep: 4 },
  { re: /\bAIza[0-9A-Za-z_-]{35}/, what: 'a Google API key', keep: 4 },
  { re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, what: 'a JSON Web Token', keep: 3 },
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a private key', keep: 0 },
  { re: /^[a-z][a-z0-9+.-]*:\/\/[^/\s@]*:[^/\s@]+@/i, what: 'a password inside a URL', keep: 0 },
];

/** A field, option or variable whose value is a secret, by its name. */
export const SECRET_NAME = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|credential|access[-_]?key|auth[-_]?key)$/i;

export const MASK = '‹masked›';

const global = (re: RegExp) => new RegExp(re.source.replace(/^\^/, ''), `${re.flags.replace('g', '')}g`);
const MASKED_SHAPES = [...SECRET_SHAPES.filter((s) => s.keep > 0), { re: API_KEY_SHAPE, keep: 3 }].map((s) => ({ re: global(s.re), keep: s.keep }));
/** A private key block, whole (only its first line is a shape), and the password of a URL (the scheme and user stay). */
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^/\s@:]*:)[^/\s@]+@/gi;
/** A value after a secret's name: `--api-key VALUE`, `--password=VALUE`, `API_TOKEN=VALUE`, `"token": "VALUE"`. */
const OPTION_VALUE = /(?<![\w-])(--?[A-Za-z][\w-]*)(=|\s+)([^\s"',;&]+)/g;
const ASSIGNED_VALUE = /(?<![\w-])([A-Za-z][\w.]*)=([^\s"',;&]+)/g;
const JSON_VALUE = /"([A-Za-z][\w.-]*)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
const secretName = (name: string) => SECRET_NAME.test(name.replace(/^-+/, ''));

/**
 * `text` with every secret replaced by MASK (keeping the kind's prefix, "sk-‹masked›"), and
 * each of `known` (a token this process holds) too. Mask before cutting text short: a cut secret
 * no longer has its shape.
 */
export function maskSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const k of known) if (k.length >= 8) out = out.split(k).join(MASK);
  out = out.replace(PRIVATE_KEY_BLOCK, MASK).replace(URL_PASSWORD, `$1${MASK}@`);
  for (const { re, keep } of MASKED_SHAPES) out = out.replace(re, (m) => `${m.slice(0, keep)}${MASK}`);
  const named = (all: string, name: string, sep: string, value: string) => (secretName(name) && !value.includes(MASK) ? `${name}${sep}${MASK}` : all);
  out = out.replace(OPTION_VALUE, named).replace(ASSIGNED_VALUE, (all, name: string, value: string) => named(all, name, '=', value));
  return out.replace(JSON_VALUE, (all, name: string, sep: string, value: string) => (secretName(name) && value !== MASK ? `"${name}"${sep}"${MASK}"` : all));
}
