// What `keys log` and `keys list` print for people: aligned columns, times in UTC to the minute.
// Every cell is shown escaped (control characters as \x1b, \n …): a line's keyId, actor or
// reason is whatever its writer put there, and must not drive the terminal.
import type { AuditEntry } from '../../contract/audit-log.js';
import { fingerprint, keyState, type KeyEntry } from '../../contract/keyring-file.js';
import type { EnvKeys } from '../../keys/replay.js';
import { visible } from '../../validation/format/safe-text.js';

const minute = (iso: string | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '—');

/** Rows of cells as aligned text; the last column is not padded. */
function table(cells: string[][]): string {
  const rows = cells.map((r) => r.map(visible));
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export function formatLog(entries: readonly AuditEntry[]): string {
  if (!entries.length) return '(no entries)\n';
  const what = (e: AuditEntry) => (e.retires ? `${e.reason} (${e.retires.keyId} retiring until ${minute(e.retires.until)})` : e.reason);
  return table([
    ['seq', 'time (UTC)', 'env', 'action', 'kind', 'key', 'fingerprint', 'actor', 'ref', 'reason'],
    ...entries.map((e) => [String(e.seq), minute(e.ts), e.env, e.action, e.kind, e.keyId, e.keyFingerprint, e.sig ? `${e.actor} (signed)` : e.actor, e.ref, what(e)]),
  ]);
}

const stateNow = (k: KeyEntry, now: number) => {
  const s = keyState(k, now);
  return s === 'valid' ? k.status : s === 'expired' ? `${k.status}, expired` : s === 'not-yet-valid' ? `${k.status}, not yet valid` : 'revoked';
};

export function formatKeyList(keys: EnvKeys, now: number): string {
  const api = keys.apiKeys.length
    ? table([['id', 'status', 'scopes', 'created', 'expires', 'sha256'], ...keys.apiKeys.map((k) => [k.id, stateNow(k, now), k.scopes.join(','), minute(k.created), minute(k.expires), `${fingerprint(k.sha256)}…`])])
    : '(no API keys)\n';
  const jwt = keys.jwtKeys.length ? `\nJWT signing keys:\n${table([['kid', 'status', 'retires'], ...keys.jwtKeys.map((k) => [k.kid, k.status, minute(k.retiresAt)])])}` : '';
  return api + jwt;
}
