// `smartbot start` (`npm start`): the README's main job on the built-in defaults. Validates the
// environments, makes the demo model if it is missing, and serves the `dev` environment on
// 127.0.0.1:18789, printing a freshly minted token and a ready-to-paste curl command, and the
// admin console on 127.0.0.1:8080 with an admin token to sign in with.
// The service config is the one `smartbot render` writes for dev, with these local changes
// (the only ones): listen on 127.0.0.1:18789 (PORT) and 127.0.0.1:8080 (ADMIN_PORT), models
// from ./models, the keyring from ./keyrings, and an ephemeral JWT signing key for the printed
// tokens. The console reads the key audit history from ./audit, and the thresholds from dev's
// environment as validated at start (a pod reads them from their ConfigMap's file).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKeys, keyId, mintToken } from '../contract/jwt.js';
import { AUDIT_LOG_FILE } from '../contract/keyring-file.js';
import { UserError, type Closable } from '../contract/run-main.js';
import { monitoringConfig } from '../contract/monitoring-config.js';
import { JWT_DEFAULTS, serviceConfig } from '../contract/service-config.js';
import { buildDemoModel, DEMO_MODEL_FILE } from '../gguf/demo-model.js';
import { sha256File } from '../gguf/inspect.js';
import { startService } from '../service/src/main.js';
import { hasErrors } from '../validation/diagnostics.js';
import { formatText } from '../validation/format/text.js';
import { validateEnvironments } from '../validation/validate.js';
import { EXIT, type CliIO } from './io.js';

const ENV = 'dev';
const TOKEN_TTL_SECONDS = 86400;

export async function startCommand(argv: string[], io: CliIO): Promise<number | Closable> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) return io.out('Usage: smartbot start   (PORT=18789, ADMIN_PORT=8080 by default)\n\nServes the dev environment with the demo model on 127.0.0.1, printing a token and a curl command, and the admin console with an admin token.\n'), EXIT.ok;
  const port = Number(process.env.PORT ?? 18789);
  const adminPort = Number(process.env.ADMIN_PORT ?? 8080);
  const modelsDir = 'models';
  const modelFile = join(modelsDir, DEMO_MODEL_FILE);
  if (!existsSync(modelFile)) {
    mkdirSync(modelsDir, { recursive: true });
    writeFileSync(modelFile, buildDemoModel());
    io.out(`made the demo model: ${modelFile} (sha256 ${await sha256File(modelFile)})\n`);
  }

  const report = validateEnvironments({ root: '.', modelsDir });
  io.out(formatText(report));
  if (hasErrors(report.diagnostics)) return EXIT.invalid;
  const dev = report.environments.find((e) => e.name === ENV)?.config;
  if (!dev) throw new UserError(`environments/${ENV}.yaml is missing`);

  const keys = generateSigningKeys();
  const kid = keyId(keys.publicKeyPem);
  const { monitoringFile: _inPods, ...rendered } = serviceConfig(ENV, dev);
  const monitoring = monitoringConfig(ENV, dev);
  const config = {
    ...rendered,
    listen: { host: '127.0.0.1', port, adminPort },
    auth: { keyringFile: resolve(dev.security.keyring.file), jwt: { ...JWT_DEFAULTS, keys: [{ kid, publicKey: keys.publicKeyPem, status: 'active' as const }] } },
  };
  let service;
  try {
    service = await startService(config, { modelsDir, localInference: 'in-process', console: { auditFile: resolve(AUDIT_LOG_FILE), repoRoot: resolve('.'), localChanges: true, monitoring: () => monitoring } });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const inUse = (e as { port?: number }).port ?? port;
      throw new UserError(`port ${inUse} is in use (set ${inUse === adminPort && inUse !== port ? 'ADMIN_PORT' : 'PORT'}=… to pick another)`);
    }
    throw e;
  }
  await service.loaded;
  const mint = (scope: 'chat' | 'admin') => mintToken(keys.privateKeyPem, { sub: 'admin', scope, iss: JWT_DEFAULTS.issuer, expiresInSeconds: TOKEN_TTL_SECONDS, kid });
  const token = await mint('chat');
  const adminToken = await mint('admin');
  const url = `http://localhost:${port}`;
  io.out(`
smartbot (${ENV}) is serving on ${url} — Ctrl-C stops it.

YOUR_TOKEN=${token}

curl -X POST ${url}/api/v1/chat -H "Authorization: Bearer \${YOUR_TOKEN}" -H "Content-Type: application/json" -d '{"messages": [{"role": "user", "content": "你好,介绍一下自己"}],"temperature": 0.7}'

OpenAI SDK: baseURL ${url}/v1, apiKey $YOUR_TOKEN, model "${service.deps.engine.modelId}".

Admin console: http://localhost:${adminPort}/ — sign in with this admin token (read-only console):

ADMIN_TOKEN=${adminToken}
`);
  return service;
}
