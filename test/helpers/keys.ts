// A scratch repository for the key commands: the shipped environments and tiers, an empty
// keyring for each, and no audit history yet.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatKeyring } from '../../contract/keyring-file.js';
import { repoRoot } from './env.js';

export const SHIPPED_ENVS = ['dev', 'prod', 'staging'];

export function scratchKeysRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'smartbot-keys-'));
  cpSync(join(repoRoot, 'environments'), join(root, 'environments'), { recursive: true });
  mkdirSync(join(root, 'keyrings'));
  for (const env of SHIPPED_ENVS) writeFileSync(join(root, 'keyrings', `${env}.json`), formatKeyring([]));
  return root;
}
