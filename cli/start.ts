// `smartbot start [--env NAME] [--secrets-dir DIR] [--models-dir DIR]` (`npm start`: the dev
// environment): the README's main job on the built-in defaults, and any environment served
// locally. Validates the environments, makes the built-in demo models the environment names if
// they are missing, and serves the environment on 127.0.0.1:18789, printing a freshly minted
// token and a ready-to-paste curl command, and the admin console on 127.0.0.1:8080 with an admin
// token to sign in with.
// The service config is the one `smartbot render` writes for the environment, with these local
// changes (the only ones): listen on 127.0.0.1:18789 (PORT) and 127.0.0.1:8080 (ADMIN_PORT),
// local models from --models-dir (default ./models) run in this process, remote models'
// credentials from --secrets-dir in the pod's layout (DIR/<secret name>/<key>), the keyring from
// ./keyrings, and an ephemeral JWT signing key for the printed tokens. The console reads the key
// audit history from ./audit, and the thresholds from the environment as validated at start (a
// pod reads them from their ConfigMap's file).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKeys, keyId, mintToken } from '../contract/jwt.js';
import { WORKFLOW_KEY_FILE } from '../contract/audit-log.js';
import { AUDIT_LOG_FILE } from '../contract/keyring-file.js';
import { isLocal, modelSet } from '../contract/models.js';
import { UserError, type Closable } from '../contract/run-main.js';
import { monitoringConfig } from '../contract/monitoring-config.js';
import { JWT_DEFAULTS, serviceConfig } from '../contract/service-config.js';
import { BUILT_IN_MODELS, DEMO_MODEL_FILE } from '../gguf/demo-model.js';
import { sha256File } from '../gguf/inspect.js';
import { startService } from '../service/src/service.js';
import { hasErrors } from '../validation/diagnostics.js';
import { formatText } from '../validation/format/text.js';
import { validateEnvironments } from '../validation/validate.js';
import { EXIT, UsageError, type CliIO } from './io.js';
import { environmentFile } from '../contract/paths.js';

const DEFAULT_ENV = 'dev';
const TOKEN_TTL_SECONDS = 86400;

export const startHelp = `Usage: smartbot start [--env NAME] [--secrets-dir DIR] [--models-dir DIR]
       (PORT=18789, ADMIN_PORT=8080 by default)

Serves an environment (default dev, with the demo model) on 127.0.0.1, printing a token and a
curl command, and the admin console with an admin token.

Options:
  --env NAME          the environment (environments/NAME.yaml; default dev)
  --secrets-dir DIR   remote models' credentials in the pod's layout: DIR/<secret name>/<key>
                      (default: $SMARTBOT_SECRET_<NAME>_<KEY>, else /var/run/secrets/smartbot)
  --models-dir DIR    where local models are found by file name (default models/); the built-in
                      demo models the environment names are made there when missing
`;

/** Makes the built-in demo models that `names` needs and `dir` lacks (always the demo model, as `npm start` always has). */
async function makeBuiltInModels(dir: string, names: string[], io: CliIO): Promise<void> {
  for (const file of new Set([DEMO_MODEL_FILE, ...names])) {
    const make = BUILT_IN_MODELS[file];
    const path = join(dir, file);
    if (!make || existsSync(path)) continue;
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, make());
    io.out(`made the ${file === DEMO_MODEL_FILE ? 'demo' : 'built-in'} model: ${path} (sha256 ${await sha256File(path)})\n`);
  }
}

export async function startCommand(argv: string[], io: CliIO): Promise<number | Closable> {
  const { values } = parseArgs({ args: argv, options: { env: { type: 'string' }, 'secrets-dir': { type: 'string' }, 'models-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return io.out(startHelp), EXIT.ok;
  const name = values.env ?? DEFAULT_ENV;
  if (!/^[a-z0-9][-a-z0-9_]*$/.test(name)) throw new UsageError(`invalid --env "${name}"`);
  if (!existsSync(environmentFile(name))) throw new UsageError(`no environment "${name}": ${environmentFile(name)} does not exist`);
  const secretsDir = values['secrets-dir'];
  if (secretsDir !== undefined && !existsSync(secretsDir)) throw new UsageError(`--secrets-dir ${secretsDir} does not exist`);
  const port = Number(process.env.PORT ?? 18789);
  const adminPort = Number(process.env.ADMIN_PORT ?? 8080);
  const modelsDir = values['models-dir'] ?? 'models';

  // The built-in models this environment names: read from its file before validation, which needs them present.
  const named = validateEnvironments({ root: '.', paths: [environmentFile(name)], readModelFiles: false }).environments[0]?.config;
  await makeBuiltInModels(modelsDir, named ? modelSet(named).models.filter(isLocal).map((m) => basename(m.path)) : [], io);

  const report = validateEnvironments({ root: '.', modelsDir });
  io.out(formatText(report));
  if (hasErrors(report.diagnostics)) return EXIT.invalid;
  const env = report.environments.find((e) => e.name === name)?.config;
  if (!env) throw new UserError(`${environmentFile(name)} is missing`);

  const keys = generateSigningKeys();
  const kid = keyId(keys.publicKeyPem);
  const { monitoringFile: _inPods, ...rendered } = serviceConfig(name, env);
  const monitoring = monitoringConfig(name, env);
  const config = {
    ...rendered,
    listen: { host: '127.0.0.1', port, adminPort },
    auth: { keyringFile: resolve(env.security.keyring.file), jwt: { ...JWT_DEFAULTS, keys: [{ kid, publicKey: keys.publicKeyPem, status: 'active' as const }] } },
    ...(secretsDir !== undefined ? { secretsDir: resolve(secretsDir) } : {}),
  };
  let service;
  try {
    service = await startService(config, { modelsDir, localInference: 'in-process', console: { audit: { log: resolve(AUDIT_LOG_FILE), workflowKey: resolve(WORKFLOW_KEY_FILE) }, repoRoot: resolve('.'), localChanges: true, monitoring: () => monitoring } });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const inUse = (e as { port?: number }).port ?? port;
      throw new UserError(`port ${inUse} is in use (set ${inUse === adminPort && inUse !== port ? 'ADMIN_PORT' : 'PORT'}=… to pick another)`);
    }
    throw e;
  }
  // Minted while the model loads, so that the guide is written in the same turn as the model
  // becomes ready: a script that waits for /readyz and then reads YOUR_TOKEN from the output
  // (the README's) found it missing when signing the tokens took longer than its poll.
  const mint = (scope: 'chat' | 'admin') => mintToken(keys.privateKeyPem, { sub: 'admin', scope, iss: JWT_DEFAULTS.issuer, expiresInSeconds: TOKEN_TTL_SECONDS, kid });
  const [token, adminToken] = await Promise.all([mint('chat'), mint('admin')]);
  await service.loaded;
  const url = `http://localhost:${port}`;
  const { models } = service.deps;
  const several = models.list.length > 1 ? `\nModels: ${models.list.map((m) => `${m.id}${m === models.default ? ' (default)' : ''}${m.fallbacks.length ? ` → falls back to ${m.fallbacks.join(', ')}` : ''}`).join('; ')}. Choose one with "model" in the request.\n` : '';
  io.out(`
smartbot (${name}) is serving on ${url} — Ctrl-C stops it.
${several}
YOUR_TOKEN=${token}

curl -X POST ${url}/api/v1/chat -H "Authorization: Bearer \${YOUR_TOKEN}" -H "Content-Type: application/json" -d '{"messages": [{"role": "user", "content": "你好,介绍一下自己"}],"temperature": 0.7}'

OpenAI SDK: baseURL ${url}/v1, apiKey $YOUR_TOKEN, model "${models.default.id}".

Admin console: http://localhost:${adminPort}/ — sign in with this admin token (read-only console):

ADMIN_TOKEN=${adminToken}
`);
  return service;
}
