// `npm start`: the README's main job on the built-in defaults. Validates the environments,
// makes the demo model if it is missing, and serves the `dev` environment on 127.0.0.1:18789,
// printing a freshly minted token and a ready-to-paste curl command.
// The runtime config is the one `smartbot render` writes for dev, with these local changes
// (the only ones): listen on 127.0.0.1:18789, no admin port, models from ./models, the keyring
// from ./keyrings, and an ephemeral JWT signing key for the printed token.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildDemoModel, DEMO_MODEL_FILE } from '../../generators/gguf/demo-model.js';
import { runtimeConfig } from '../../generators/model/runtime-config.js';
import { formatText } from '../../generators/format/text.js';
import { hasErrors } from '../../generators/diagnostics.js';
import { validateEnvironments } from '../../generators/validate.js';
import { generateSigningKeys, mintToken } from './auth/jwt.js';
import { startService } from './main.js';
import { sha256File } from './engine/local.js';

const ENV = 'dev';
const PORT = Number(process.env.PORT ?? 18789);
const TOKEN_TTL_SECONDS = 86400;

async function run(): Promise<void> {
  const modelsDir = 'models';
  const modelFile = join(modelsDir, DEMO_MODEL_FILE);
  if (!existsSync(modelFile)) {
    mkdirSync(modelsDir, { recursive: true });
    writeFileSync(modelFile, buildDemoModel());
    console.log(`made the demo model: ${modelFile} (sha256 ${await sha256File(modelFile)})`);
  }

  const report = validateEnvironments({ root: '.', modelsDir });
  process.stdout.write(formatText(report));
  if (hasErrors(report.diagnostics)) process.exit(1);
  const dev = report.environments.find((e) => e.name === ENV)?.config;
  if (!dev) throw new Error(`environments/${ENV}.yaml is missing`);

  const keys = generateSigningKeys();
  const base = runtimeConfig(ENV, dev);
  const config = {
    ...base,
    listen: { host: '127.0.0.1', port: PORT },
    auth: { keyringFile: resolve(dev.security.keyring.file), jwt: { publicKey: keys.publicKeyPem, issuer: 'smartbot' } },
  };
  const service = await startService(config, { modelsDir, localInference: 'in-process' });
  await service.loaded;
  const token = mintToken(keys.privateKeyPem, { sub: 'admin', scope: 'chat', iss: 'smartbot', expiresInSeconds: TOKEN_TTL_SECONDS });
  const url = `http://localhost:${PORT}`;
  console.log(`
smartbot (${ENV}) is serving on ${url} — Ctrl-C stops it.

YOUR_TOKEN=${token}

curl -X POST ${url}/api/v1/chat -H "Authorization: Bearer \${YOUR_TOKEN}" -H "Content-Type: application/json" -d '{"messages": [{"role": "user", "content": "你好,介绍一下自己"}],"temperature": 0.7}'

OpenAI SDK: baseURL ${url}/v1, apiKey $YOUR_TOKEN, model "${service.deps.engine.modelId}".
`);
  const stop = async () => {
    await service.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

run().catch((e: Error & { code?: string }) => {
  process.stderr.write(`npm start: ${e.code === 'EADDRINUSE' ? `port ${PORT} is in use (set PORT=… to pick another)` : e.message}\n`);
  process.exit(1);
});

