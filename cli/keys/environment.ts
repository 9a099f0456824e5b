// What `smartbot keys` needs from an environment: where its keyring is, its maximum key age and
// its JWT signing keys, from the environment file layered over its tier (the same loader as
// validate). Only these settings are checked here, by hand rather than by compiling the whole
// schema (a fifth of a second `keys verify` would spend on every run): a key past its age is
// exactly what `keys rotate` is for, so the rest of validate must not block it.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JwtKey } from '../../contract/environment.js';
import { UserError } from '../../contract/run-main.js';
import { UsageError } from '../io.js';
import { isPlainObject, layerEnvironment, TierCache, valueAt } from '../../validation/load/layers.js';
import { loadYamlFile } from '../../validation/load/yaml-source.js';

export interface EnvKeySettings {
  env: string;
  /** environments/<env>.yaml, as given (relative to the working directory). */
  envFile: string;
  /** The keyring file, relative to the repository root as the environment states it. */
  keyringFile: string;
  maxKeyAgeDays?: number;
  jwtKeys?: JwtKey[];
}

export const ENV_NAME = /^[a-z0-9][-a-z0-9_]*$/;

/** The environments with a file in environments/ (tiers excluded). */
export function environmentNames(root: string): string[] {
  const dir = join(root, 'environments');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
}

export function envKeySettings(root: string, name: string): EnvKeySettings {
  if (!ENV_NAME.test(name)) throw new UsageError(`invalid --env "${name}": a name from environments/`);
  const envFile = join(root, 'environments', `${name}.yaml`);
  if (!existsSync(envFile)) throw new UsageError(`no environment "${name}": ${envFile} does not exist`);
  const loaded = loadYamlFile(envFile);
  const env = loaded.ok ? layerEnvironment(loaded.source, new TierCache(join(root, 'environments', 'tiers'))).env : undefined;
  const file = valueAt(env?.value, '/security/keyring/file');
  const maxKeyAgeDays = valueAt(env?.value, '/security/keyring/maxKeyAgeDays');
  const jwtKeys = valueAt(env?.value, '/security/jwt/keys');
  const keyShaped = (k: unknown) => isPlainObject(k) && typeof k.kid === 'string' && typeof k.publicKey === 'string' && typeof k.status === 'string';
  const valid =
    typeof file === 'string' &&
    /^[A-Za-z0-9._/-]+\.json$/.test(file) &&
    (maxKeyAgeDays === undefined || Number.isInteger(maxKeyAgeDays)) &&
    (jwtKeys === undefined || (Array.isArray(jwtKeys) && jwtKeys.every(keyShaped)));
  if (!valid) throw new UserError(`${envFile}: its key settings (security.keyring, security.jwt) are invalid — run \`npx smartbot validate ${envFile}\` and fix them first`);
  return {
    env: name,
    envFile,
    keyringFile: file,
    ...(maxKeyAgeDays === undefined ? {} : { maxKeyAgeDays: maxKeyAgeDays as number }),
    ...(jwtKeys === undefined ? {} : { jwtKeys: jwtKeys as JwtKey[] }),
  };
}

export const keyringPath = (root: string, s: EnvKeySettings) => resolve(root, s.keyringFile);
