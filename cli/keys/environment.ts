// What `smartbot keys` needs from an environment: where its keyring is, its maximum key age and
// its JWT signing keys, from the environment file layered over its tier (the same loader as
// validate). Only the `security` settings must be schema-valid: a key past its age is exactly
// what `keys rotate` is for, so policy errors do not block it.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JwtKey, SmartbotEnvironment } from '../../contract/environment.js';
import { UserError } from '../../contract/run-main.js';
import { UsageError } from '../io.js';
import { layerEnvironment, TierCache } from '../../validation/load/layers.js';
import { loadYamlFile } from '../../validation/load/yaml-source.js';
import { checkSchema } from '../../validation/schema/check.js';

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

export function envKeySettings(root: string, env: string): EnvKeySettings {
  if (!ENV_NAME.test(env)) throw new UsageError(`invalid --env "${env}": a name from environments/`);
  const envFile = join(root, 'environments', `${env}.yaml`);
  if (!existsSync(envFile)) throw new UsageError(`no environment "${env}": ${envFile} does not exist`);
  const loaded = loadYamlFile(envFile);
  const layered = loaded.ok ? layerEnvironment(loaded.source, new TierCache(join(root, 'environments', 'tiers'))) : undefined;
  const bad = !loaded.ok || !layered?.env || checkSchema(layered.env).badPointers.some((p) => p === '' || p === '/security' || p.startsWith('/security/'));
  if (bad || !layered?.env) throw new UserError(`${envFile}: its security settings are invalid — run \`npx smartbot validate ${envFile}\` and fix them first`);
  const security = (layered.env.value as unknown as SmartbotEnvironment).security;
  return {
    env,
    envFile,
    keyringFile: security.keyring.file,
    ...(security.keyring.maxKeyAgeDays === undefined ? {} : { maxKeyAgeDays: security.keyring.maxKeyAgeDays }),
    ...(security.jwt ? { jwtKeys: security.jwt.keys } : {}),
  };
}

export const keyringPath = (root: string, s: EnvKeySettings) => resolve(root, s.keyringFile);
