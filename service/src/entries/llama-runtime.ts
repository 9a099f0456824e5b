// The llama.cpp runtime container's process: serves GGUF models over the OpenAI-compatible
// API. Two ways to say which:
//   runtime --config /etc/smartbot/config/runtime.json     the environment's local models, all
//           of them (beside the service in its pod; port from the config's runtime entry; no
//           credential; several are routed by `model`: runtimeConfig). With
//           $SMARTBOT_LLAMA_SERVER set (the runtime image sets it) llama.cpp's llama-server
//           decodes behind this process (llama-server.ts); without it, node-llama-cpp in-process
//   runtime --path /data/models/x.gguf --model-id NAME      a standalone upstream (e.g. the
//           [--api-key-env VAR] [--tls-cert F --tls-key F]  remote API of a test), optionally
//                                                            with a bearer key and TLS; always
//                                                            node-llama-cpp (llama-server is
//                                                            built without TLS)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isLocal, modelSet } from '../../../contract/models.js';
import { isEntry, runMain, UserError, type Closable } from '../../../contract/run-main.js';
import { sha256File } from '../../../gguf/inspect.js';
import { podLocalAuth, staticBearerAuth } from '../auth/authenticate.js';
import { loadServiceConfig, type ServiceConfig } from '../config.js';
import { LLAMA_SERVER_ENV, startLlamaServer } from '../llama-server.js';
import { startService } from '../service.js';
import { createLogger } from '../telemetry/logger.js';
import { cpuCount, memoryLimitBytes } from '../system.js';
import { httpConfig, LLAMA_RUNTIME } from '../../../contract/service-config.js';

export const runtimeHelp = `Usage: runtime --config runtime.json
       runtime --path FILE.gguf [--model-id NAME] [--context-size N] [--sequences N] [--threads N]
               [--api-key-env VAR] [--tls-cert FILE --tls-key FILE] [--port ${LLAMA_RUNTIME.port}]
`;

/** The base tier's server settings: a standalone runtime has no environment to take them from. */
const STANDALONE_SERVER = { headersTimeoutSeconds: 10, requestTimeoutSeconds: 30, keepAliveTimeoutSeconds: 65, shutdownGraceSeconds: 30 };

async function standaloneConfig(v: Record<string, string | boolean | undefined>): Promise<ServiceConfig> {
  const path = v.path as string;
  const threads = Number(v.threads ?? Math.max(1, cpuCount()));
  const contextSize = Number(v['context-size'] ?? 2048);
  return {
    environment: 'runtime',
    service: { name: 'smartbot-runtime', version: '1.2.0' },
    listen: { host: '0.0.0.0', port: LLAMA_RUNTIME.port },
    // The file is trusted as found: model_loader verified and registered it.
    model: { source: 'local', path, format: 'gguf', sha256: await sha256File(path), contextSize, threads },
    inference: { maxTokens: 4096, parallelSequences: Number(v.sequences ?? 4), defaultTemperature: 0.7 },
    threads,
    auth: { keyringFile: '' },
    logging: { format: 'line', level: 'info' },
    cache: { redis: { enabled: false, ttlSeconds: 1 } },
    limits: { memoryBytes: memoryLimitBytes(), cpuMillis: cpuCount() * 1000 },
    secretsDir: '/var/run/secrets/smartbot',
    http: httpConfig(contextSize, {}, { allowedOrigins: [], allowCredentials: false }, STANDALONE_SERVER),
  };
}

/**
 * What the runtime serves of an environment's config: its local models (several: without their
 * fallbacks, which the service follows; the default is the environment's when it is local, else
 * the first local one), on the runtime's port, without the service's own concerns (cache, admin
 * port, keyring).
 */
export function runtimeConfig(c: ServiceConfig, file: string): ServiceConfig {
  const set = modelSet(c);
  const local = set.models.filter(isLocal);
  if (!local.length) throw new UserError(`${file} names ${set.several ? 'no local model' : 'a remote model'}: the runtime serves local GGUF models only`);
  const models = set.several ? { models: local.map(({ fallbacks: _fallbacks, ...m }) => m), defaultModel: local.find((m) => m.id === set.defaultModel)?.id ?? local[0]!.id } : {};
  return { ...c, ...models, listen: { host: '0.0.0.0', port: c.runtime?.port ?? LLAMA_RUNTIME.port }, cache: { redis: { enabled: false, ttlSeconds: 1 } } };
}

async function run(argv: string[]): Promise<number | Closable> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      path: { type: 'string' },
      'model-id': { type: 'string' },
      'context-size': { type: 'string' },
      sequences: { type: 'string' },
      threads: { type: 'string' },
      'api-key-env': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      port: { type: 'string' },
      'models-dir': { type: 'string' },
    },
  });
  let config: ServiceConfig;
  if (values.config) config = runtimeConfig(loadServiceConfig(values.config), values.config);
  else if (values.path) config = await standaloneConfig(values);
  else {
    process.stderr.write(runtimeHelp);
    return 2;
  }
  if (values.port) config = { ...config, listen: { ...config.listen, port: Number(values.port) } };
  const keyVar = values['api-key-env'];
  const key = keyVar ? process.env[keyVar] : undefined;
  if (keyVar && !key) throw new UserError(`$${keyVar} is empty: set the bearer key clients must send`);
  const https = values['tls-cert'] && values['tls-key'] ? { cert: readFileSync(values['tls-cert'], 'utf8'), key: readFileSync(values['tls-key'], 'utf8') } : undefined;
  const modelId = values['model-id'];
  const llamaServer = process.env[LLAMA_SERVER_ENV];
  if (values.config && llamaServer) {
    if (key || https || values['models-dir']) throw new UserError(`--api-key-env, --tls-* and --models-dir need node-llama-cpp: unset $${LLAMA_SERVER_ENV}`, 2);
    return startLlamaServer(llamaServer, config, modelId, createLogger({ format: config.logging.format, level: config.logging.level }));
  }

  const service = await startService(config, {
    localInference: 'in-process',
    ...(modelId ? { modelId } : {}),
    authenticate: key ? staticBearerAuth(key) : podLocalAuth,
    ...(https ? { https } : {}),
    ...(values['models-dir'] ? { modelsDir: values['models-dir'] } : {}),
  });
  return service;
}

if (isEntry(import.meta.url)) runMain('smartbot runtime', run);
