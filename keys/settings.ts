// What key management needs from an environment — its tier, keyring file, maximum key age, JWT
// signing keys and how long an enterprise environment may go without the workflow key — read
// through validation (the repository reader, tier layering, the schema), once per environment
// per command: one `KeySettings` is made per command and passed along. Only schema errors in
// these settings refuse: a key past its maximum age is what `keys rotate` is for, and a typo
// elsewhere in the file must not block revoking a leaked key.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JwtKey } from '../contract/environment.js';
import { UserError } from '../contract/run-main.js';
import { formatDiagnostic } from '../validation/format/text.js';
import { layerEnvironment, TierCache } from '../validation/load/layers.js';
import { RepoFiles } from '../validation/load/repo-file.js';
import { loadYamlFile } from '../validation/load/yaml-source.js';
import { checkSchema } from '../validation/schema/check.js';

export interface EnvKeySettings {
  env: string;
  /** environments/<env>.yaml, under the root as given. */
  envFile: string;
  tier: string;
  /** The keyring file, relative to the repository root as the environment states it. */
  keyringFile: string;
  maxKeyAgeDays?: number;
  jwtKeys?: JwtKey[];
  /** Enterprise: the last day (YYYY-MM-DD) an audit history without the workflow key is accepted. */
  unsignedAuditUntil?: string;
}

export const ENV_NAME = /^[a-z0-9][-a-z0-9_]*$/;
/** The settings read here: a schema error at or under (or above) these refuses. */
const KEY_POINTERS = ['/tier', '/security/keyring', '/security/jwt'];
const touchesKeys = (pointer: string) => KEY_POINTERS.some((k) => pointer === k || pointer.startsWith(`${k}/`) || k.startsWith(`${pointer}/`) || pointer === '');

export class KeySettings {
  private readonly files: RepoFiles;
  private readonly tiers: TierCache;
  private readonly loaded = new Map<string, EnvKeySettings>();

  constructor(readonly root: string) {
    this.files = new RepoFiles(root);
    this.tiers = new TierCache(join(root, 'environments', 'tiers'), this.files);
  }

  /** The environments with a file in environments/ (tiers excluded), sorted. */
  names(): string[] {
    try {
      return readdirSync(join(this.root, 'environments'))
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => f.replace(/\.ya?ml$/, ''))
        .sort();
    } catch {
      return [];
    }
  }

  has(env: string): boolean {
    return ENV_NAME.test(env) && this.names().includes(env);
  }

  of(env: string): EnvKeySettings {
    let s = this.loaded.get(env);
    if (!s) this.loaded.set(env, (s = this.load(env)));
    return s;
  }

  private load(env: string): EnvKeySettings {
    if (!ENV_NAME.test(env)) throw new UserError(`invalid environment name "${env}"`, 2);
    const envFile = join(this.root, 'environments', `${env}.yaml`);
    const loaded = loadYamlFile(envFile, this.files);
    if (!loaded.ok) {
      const first = loaded.diagnostics[0];
      throw new UserError(`${envFile} cannot be read as an environment${first ? `: ${first.message}` : ''} — run \`npx smartbot validate ${envFile}\``, 2);
    }
    const layered = layerEnvironment(loaded.source, this.tiers);
    const refuse = (why: string) => new UserError(`${envFile}: ${why} — run \`npx smartbot validate ${envFile}\` and fix it first`, 2);
    if (!layered.env) throw refuse(`it cannot be layered over its tier (${layered.diagnostics[0]?.message ?? 'unknown tier'})`);
    const schema = checkSchema(layered.env);
    if (schema.badPointers.some(touchesKeys))
      throw refuse(`its key settings (tier, security.keyring, security.jwt) do not validate:\n\n${schema.diagnostics.slice(0, 3).map(formatDiagnostic).join('\n\n')}\n`);
    // The schema holds there: the values have the types it declares.
    const v = layered.env.value as { tier: string; security: { keyring: { file: string; maxKeyAgeDays?: number; unsignedAuditUntil?: string }; jwt?: { keys: JwtKey[] } } };
    const { file, maxKeyAgeDays, unsignedAuditUntil } = v.security.keyring;
    return {
      env,
      envFile,
      tier: v.tier,
      keyringFile: file,
      ...(maxKeyAgeDays === undefined ? {} : { maxKeyAgeDays }),
      ...(v.security.jwt ? { jwtKeys: v.security.jwt.keys } : {}),
      ...(unsignedAuditUntil === undefined ? {} : { unsignedAuditUntil }),
    };
  }

  /** The keyring's path on disk. */
  keyringPath(s: EnvKeySettings): string {
    return resolve(this.root, s.keyringFile);
  }
}
