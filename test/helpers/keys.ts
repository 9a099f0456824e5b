// A scratch repository for the key commands: the shipped environments and tiers, an empty
// keyring for each, and no audit history yet.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { entryLine, seal, type AuditEntry } from '../../contract/audit-log.js';
import { formatKeyring } from '../../contract/keyring-file.js';
import { repoRoot } from './env.js';
import { tempDir } from './temp.js';

export const SHIPPED_ENVS = ['dev', 'multi', 'prod', 'staging'];

export function scratchKeysRepo(): string {
  const root = tempDir('smartbot-keys-');
  cpSync(join(repoRoot, 'environments'), join(root, 'environments'), { recursive: true });
  mkdirSync(join(root, 'keyrings'));
  for (const env of SHIPPED_ENVS) writeFileSync(join(root, 'keyrings', `${env}.json`), formatKeyring([]));
  return root;
}

/** Text a page must show as text, never run: an environment name, and an audit key id. */
export const HOSTILE_ENV = '<script>alert("env")</script>';
export const HOSTILE_KEY_ID = '<img src=x onerror=alert(1)>';

/** A valid audit history (a chain that verifies) for `env` whose third key id and every reason hold HTML, as the console is given it. */
export function hostileAuditFile(env: string): { log: string; workflowKey: string } {
  const dir = tempDir('smartbot-audit-');
  let prev: AuditEntry | undefined;
  const lines: string[] = [];
  for (const keyId of ['ci.1', 'ops.1', HOSTILE_KEY_ID]) {
    prev = seal({ ts: '2026-11-26T21:55:00.000Z', env, action: 'revoke', kind: 'api-key', keyId, keyFingerprint: 'a9942cb497cf', actor: 'ops@example.com', reason: 'drill <b>bold</b>', ref: 'commit ea3b2f7' }, prev);
    lines.push(entryLine(prev));
  }
  const file = join(dir, 'key-rotations.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { log: file, workflowKey: join(dir, 'workflow-key.pub') };
}
