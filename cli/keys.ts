// `smartbot keys add|revoke|list --file keyrings/<env>.json`: manages an environment's keyring.
// `add` mints an API key, prints it once and stores only its SHA-256; `revoke` removes an entry.
// The service reloads the keyring within a second of the rendered ConfigMap changing.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mintApiKey, type KeyringFile, type Scope } from '../contract/keyring-file.js';
import { EXIT, UsageError, type CliIO } from './io.js';

export const keysHelp = `Usage: smartbot keys add --file KEYRING --id NAME [--scope chat|admin] [--expires ISO-DATE]
       smartbot keys revoke --file KEYRING --id NAME
       smartbot keys list --file KEYRING [--json]

The keyring (e.g. keyrings/dev.json) holds SHA-256 hashes only. \`add\` prints the new key once:
store it in your secret manager. Then run \`npx smartbot render\` and commit both files.
`;

function readKeyring(file: string): KeyringFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const doc = JSON.parse(text) as KeyringFile;
    if (!Array.isArray(doc.keys)) throw new Error('"keys" is not a list');
    return doc;
  } catch (e) {
    throw new UsageError(`${file} is not a keyring: ${(e as Error).message}`);
  }
}

function writeKeyring(file: string, doc: KeyringFile): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function keysCommand(argv: string[], io: CliIO): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { file: { type: 'string' }, id: { type: 'string' }, scope: { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const action = positionals[0];
  if (values.help || !action) return io.out(keysHelp), values.help ? EXIT.ok : EXIT.usage;
  if (!values.file) throw new UsageError('--file is required (e.g. --file keyrings/dev.json)');
  const doc = readKeyring(values.file);
  if (action === 'list') {
    const rows = doc.keys.map((k) => ({ id: k.id, scopes: k.scopes, created: k.created ?? null, expires: k.expires ?? null }));
    io.out(values.json ? `${JSON.stringify(rows, null, 2)}\n` : rows.map((r) => `${r.id}  ${r.scopes.join(',')}  created ${r.created ?? '?'}${r.expires ? `  expires ${r.expires}` : ''}\n`).join('') || '(no keys)\n');
    return EXIT.ok;
  }
  if (!values.id || !/^[a-z0-9][-a-z0-9_]{0,39}$/.test(values.id)) throw new UsageError('--id must be a short name: lowercase letters, digits, - and _');
  if (action === 'add') {
    if (doc.keys.some((k) => k.id === values.id)) throw new UsageError(`${values.file} already has a key "${values.id}": revoke it first or pick another id`);
    const scope = (values.scope ?? 'chat') as Scope;
    if (scope !== 'chat' && scope !== 'admin') throw new UsageError(`--scope must be chat or admin, got "${scope}"`);
    if (values.expires && Number.isNaN(Date.parse(values.expires))) throw new UsageError(`--expires is not a date: "${values.expires}"`);
    const { key, entry } = mintApiKey(values.id, [scope]);
    doc.keys.push({ ...entry, ...(values.expires ? { expires: new Date(values.expires).toISOString() } : {}) });
    writeKeyring(values.file, doc);
    io.out(values.json ? `${JSON.stringify({ id: entry.id, key, scopes: entry.scopes })}\n` : `${key}\n`);
    io.err(`added "${entry.id}" (${scope}) to ${values.file}; the key above is shown once. Next: npx smartbot render\n`);
    return EXIT.ok;
  }
  if (action === 'revoke') {
    const before = doc.keys.length;
    doc.keys = doc.keys.filter((k) => k.id !== values.id);
    if (doc.keys.length === before) throw new UsageError(`${values.file} has no key "${values.id}"`);
    writeKeyring(values.file, doc);
    io.err(`revoked "${values.id}" in ${values.file}. Next: npx smartbot render\n`);
    return EXIT.ok;
  }
  throw new UsageError(`unknown action "${action}" (add, revoke or list)`);
}
