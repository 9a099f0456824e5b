// `smartbot start` (`npm start`): the README's main job on the built-in defaults. Validates the
// environments, makes the demo model if it is missing, and serves the `dev` environment on
// 127.0.0.1:18789, printing a freshly minted token and a ready-to-paste curl command.
// The service config is the one `smartbot render` writes for dev, with these local changes
// (the only ones): listen on 127.0.0.1:18789, no admin port, models from ./models, the keyring
// from ./keyrings, and an ephemeral JWT signing key for the printed token.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKeys, keyId, mintToken } from '../contract/jwt.js';
import { UserError, type Closable } from '../contract/run-main.js';
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
  if (values.help) return io.out('Usage: smartbot start   (PORT=18789 by default)\n\nServes the dev environment with the demo model on 127.0.0.1, printing a token and a curl command.\n'), EXIT.ok;
  const port = Number(process.env.PORT ?? 18789);
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
  const config = {
    ...serviceConfig(ENV, dev),
    listen: { host: '127.0.0.1', port },
    auth: { keyringFile: resolve(dev.security.keyring.file), jwt: { ...JWT_DEFAULTS, keys: [{ kid, publicKey: keys.publicKeyPem, status: 'active' as const }] } },
  };
  let service;
  try {
    service = await startService(config, { modelsDir, localInference: 'in-process' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UserError(`port ${port} is in use (set PORT=… to pick another)`);
    throw e;
  }
  await service.loaded;
  const token = await mintToken(keys.privateKeyPem, { sub: 'admin', scope: 'chat', iss: JWT_DEFAULTS.issuer, expiresInSeconds: TOKEN_TTL_SECONDS, kid });
  const url = `http://localhost:${port}`;
  io.out(`
smartbot (${ENV}) is serving on ${url} — Ctrl-C stops it.

YOUR_TOKEN=${token}

curl -X POST ${url}/api/v1/chat -H "Authorization: Bearer \${YOUR_TOKEN}" -H "Content-Type: application/json" -d '{"messages": [{"role": "user", "content": "你好,介绍一下自己"}],"temperature": 0.7}'

OpenAI SDK: baseURL ${url}/v1, apiKey $YOUR_TOKEN, model "${service.deps.engine.modelId}".
`);
  return service;
}
