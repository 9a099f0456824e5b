// The service config the service starts from: the JSON `smartbot render` writes into the
// ConfigMap (contract/service-config.ts), and Secret values referenced from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../contract/run-main.js';
import type { SecretRef } from '../../contract/environment.js';
import type { ServiceConfig } from '../../contract/service-config.js';

export type { ServiceConfig };

/** A config the service cannot start from: exit 2 with this line. */
export class ConfigError extends UserError {
  constructor(message: string) {
    super(message, 2);
  }
}

export function loadServiceConfig(path: string): ServiceConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read service config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let config: ServiceConfig;
  try {
    config = JSON.parse(text) as ServiceConfig;
  } catch (e) {
    throw new ConfigError(`service config ${path} is not JSON: ${(e as Error).message}`);
  }
  const lacks = (key: string) => new ConfigError(`service config ${path} lacks "${key}": render it with \`npx smartbot render\``);
  for (const key of ['environment', 'listen', 'inference', 'auth', 'logging', 'cache', 'limits', 'secretsDir', 'http'] as const) if (config[key] === undefined) throw lacks(key);
  // One model, or several with the one that answers by default.
  if (config.model === undefined && config.models === undefined) throw lacks('model');
  if (config.models !== undefined && config.defaultModel === undefined) throw lacks('defaultModel');
  return config;
}

/** $SMARTBOT_SECRET_<NAME>_<KEY> (upper case, other characters as _), for local runs and compose. */
export const secretEnvName = (ref: SecretRef) => `SMARTBOT_SECRET_${`${ref.name}_${ref.key}`.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** A Secret value: from the environment variable, else the mounted file <secretsDir>/<name>/<key>. Read on each call, so rotation needs no restart. */
export function readSecret(config: Pick<ServiceConfig, 'secretsDir'>, ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[secretEnvName(ref)];
  if (fromEnv) return fromEnv.trim();
  const file = join(config.secretsDir, ref.name, ref.key);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new ConfigError(`secret ${ref.name}/${ref.key} is not set: mount it at ${file} or set $${secretEnvName(ref)}`);
  }
}
