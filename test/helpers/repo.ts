// A throwaway copy of the repository's inputs (tier files, keyrings, chosen environments) in a
// temporary directory, beside a "CI secret" file outside it: what hostile-input and doctor tests
// plant their faults in. Nothing from `outside` may ever appear in smartbot's output.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { repoRoot } from './env.js';
import { tempDir } from './temp.js';

export interface TempRepo {
  /** The repository root (pass as --root). */
  root: string;
  /** A directory beside the root, outside it. */
  outside: string;
  /** A file outside the root holding `secret`, shaped like an environment file. */
  secretFile: string;
  /** A marker that must never be printed. */
  secret: string;
  /** Writes `text` at `rel` under the root (directories made); returns the absolute path. */
  write(rel: string, text: string | Buffer): string;
}

export function tempRepo(environments: string[] = ['dev']): TempRepo {
  const base = tempDir('smartbot-repo-');
  const root = join(base, 'repo');
  const outside = join(base, 'outside');
  mkdirSync(outside, { recursive: true });
  cpSync(join(repoRoot, 'environments/tiers'), join(root, 'environments/tiers'), { recursive: true });
  cpSync(join(repoRoot, 'keyrings'), join(root, 'keyrings'), { recursive: true });
  for (const env of environments) cpSync(join(repoRoot, 'environments', `${env}.yaml`), join(root, 'environments', `${env}.yaml`));
  const secret = `CI-SECRET-${randomBytes(8).toString('hex')}`;
  const secretFile = join(outside, 'ci-secrets.yaml');
  // Shaped so that, were it read, validate would quote it: an unknown key and a secret-looking value.
  writeFileSync(secretFile, `tier: base\n${secret}: ${secret}\ndeployToken: "${secret}"\n`);
  const write = (rel: string, text: string | Buffer) => {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  };
  return { root, outside, secretFile, secret, write };
}
