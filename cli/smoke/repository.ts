// `smartbot smoke --env NAME` in the repository: the environment validated as `smartbot
// validate` would, then the smoke config `smartbot render` would write for it. Only the full CLI
// imports this file (cli/main.ts); the service image's cli/smoke.js reads rendered configs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { smokeConfig } from '../../contract/smoke-config.js';
import { environmentFile } from '../../contract/paths.js';
import { validateEnvironments } from '../../validation/validate.js';
import { UsageError } from '../io.js';
import type { Targets } from './targets.js';

export function smokeFromRepository(root: string, env: string): Targets | undefined {
  const source = environmentFile(env);
  const file = join(root, source);
  if (!existsSync(file)) return undefined;
  const report = validateEnvironments({ root, paths: [file] });
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  const config = report.environments[0]?.config;
  if (errors.length || !config) {
    const first = errors[0];
    throw new UsageError(`--env ${env}: ${file} is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}${first ? `; first: ${first.file}:${first.line}:${first.col} ${first.message}` : ''}); run \`smartbot validate\``);
  }
  return { config: smokeConfig(env, config), source: file, ports: { external: config.ports.external, ...(config.ports.admin === undefined ? {} : { admin: config.ports.admin }) } };
}
