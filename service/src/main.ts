// The service process: `node dist/service/src/main.js --config runtime.json [--models-dir DIR]`.
// Listens at once (/healthz answers while a local model loads; /readyz turns 200 when it is
// loaded). A model that fails verification or does not fit is refused: the process exits 1
// with the reason, so the orchestrator shows it. On SIGTERM it drains (lifecycle.ts): not
// ready, new requests 503, answers in flight get the grace period; then it exits 0.
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { isEntry, runMain, type Closable } from '../../contract/run-main.js';
import type { ConsoleOptions } from './admin/console.js';
import { buildAdminApp, buildApp, type ServiceDeps } from './app.js';
import { keyringAuth, type Authenticate } from './auth/authenticate.js';
import { JwtVerifier } from '../../contract/jwt.js';
import { Keyring } from './auth/keyring.js';
import { createCache } from './cache.js';
import { loadServiceConfig, type ServiceConfig } from './config.js';
import { LocalEngine } from './engine/local.js';
import { DEFAULT_RETRY, RemoteEngine, remoteTarget, runtimeTarget } from './engine/remote.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { Lifecycle } from './lifecycle.js';
import { createMetrics } from './telemetry/metrics.js';

export interface StartOptions {
  /** Look local models up by base name here instead of at their configured path. */
  modelsDir?: string;
  log?: Logger;
  /** Called when a local model fails to load (default: log and exit 1). */
  onLoadError?: (e: Error) => void;
  /**
   * Local models: 'runtime' (default when the config names one) sends requests to the runtime
   * container beside the service; 'in-process' loads the model here (npm start, tests, and the
   * runtime container itself).
   */
  localInference?: 'runtime' | 'in-process';
  /** Who may call (default: the config's keyring and JWT key). */
  authenticate?: Authenticate;
  /** The model id clients name (default: the model file's base name). */
  modelId?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  https?: { key: string; cert: string };
  /** How often a silent stream sends `: ping` (default 10 s). */
  sseHeartbeatMs?: number;
  /** The admin console's settings (it serves on the admin port). */
  console?: ConsoleOptions;
}

export interface RunningService {
  deps: ServiceDeps;
  app: FastifyInstance;
  admin?: FastifyInstance;
  /** Resolves when a local model is loaded (immediately for remote). */
  loaded: Promise<void>;
  url: string;
  /**
   * The shutdown: readiness fails and new requests get 503 at once, answers in flight get the
   * grace period (config.http.shutdownGraceMs) and are then cut; then app.close(), whose onClose
   * hooks close the admin app, keyring watcher, cache and engine.
   */
  close(signal?: string): Promise<void>;
}

export async function startService(config: ServiceConfig, opts: StartOptions = {}): Promise<RunningService> {
  const log = opts.log ?? createLogger({ format: config.logging.format, level: config.logging.level });
  const metrics = createMetrics();
  // The runtime container brings its own authenticate and has no keyring mounted.
  const keyring = opts.authenticate ? undefined : new Keyring(config.auth.keyringFile, log);
  const jwt = config.auth.jwt ? new JwtVerifier(config.auth.jwt) : undefined;
  let engine: LocalEngine | RemoteEngine;
  if (config.model.source === 'local') {
    const modelId = opts.modelId ?? basename(config.model.path).replace(/\.gguf$/i, '');
    const path = opts.modelsDir ? join(opts.modelsDir, basename(config.model.path)) : config.model.path;
    engine =
      config.runtime && opts.localInference !== 'in-process'
        ? new RemoteEngine(runtimeTarget(config, modelId), modelId, log, DEFAULT_RETRY, 'local')
        : new LocalEngine(modelId, path, config, log);
  } else engine = new RemoteEngine(remoteTarget(config), config.model.model, log);
  const cache = createCache(config, log);
  const lifecycle = new Lifecycle();
  const deps: ServiceDeps = {
    config,
    engine,
    authenticate: opts.authenticate ?? keyringAuth(keyring!, jwt),
    ...(keyring ? { keyring } : {}),
    ...(cache ? { cache } : {}),
    metrics,
    log,
    startedAt: Date.now(),
    lifecycle,
    ...(opts.sseHeartbeatMs ? { sseHeartbeatMs: opts.sseHeartbeatMs } : {}),
  };

  // Start loading the model at once; /healthz answers meanwhile, /readyz once it is loaded.
  const loaded =
    engine instanceof LocalEngine
      ? engine.load().catch((e: Error) => {
          engine.fail(e.message);
          log.error('model refused', { error: e.message });
          (opts.onLoadError ?? (() => process.exit(1)))(e);
        })
      : Promise.resolve();

  const app = buildApp(deps, opts.https);
  const admin = config.listen.adminPort !== undefined ? buildAdminApp(deps, opts.console) : undefined;
  // app.close() tears down everything the service opened, once the public app has stopped
  // serving. fastify runs onClose hooks last-registered first: admin, keyring, cache, engine.
  app.addHook('onClose', async () => engine.close());
  if (cache) app.addHook('onClose', async () => cache.close());
  if (keyring) app.addHook('onClose', async () => keyring.close());
  if (admin) app.addHook('onClose', async () => admin.close());

  let url: string;
  try {
    url = await app.listen({ host: config.listen.host, port: config.listen.port });
    if (admin) await admin.listen({ host: config.listen.host, port: config.listen.adminPort! });
  } catch (e) {
    // A port in use: release the keyring watcher, Redis and the model before reporting it.
    await app.close();
    throw e;
  }
  log.info('listening', { url, admin: config.listen.adminPort, environment: config.environment, model: engine.modelId, source: engine.source, keys: keyring?.size, jwt: Boolean(jwt), cache: cache ? 'redis' : 'off' });

  const close = async (signal = 'close') => {
    const graceMs = config.http.shutdownGraceMs;
    log.info('shutting down', { signal, graceMs });
    const { inFlight, cut } = await lifecycle.drain(graceMs);
    if (inFlight > 0) log.info('drained', { inFlight, cut });
    await app.close();
  };
  return { deps, app, ...(admin ? { admin } : {}), loaded, url, close };
}

async function main(argv: string[]): Promise<Closable> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, 'models-dir': { type: 'string' } } });
  const config = loadServiceConfig(values.config ?? process.env.SMARTBOT_CONFIG ?? '/etc/smartbot/config/runtime.json');
  const service = await startService(config, values['models-dir'] ? { modelsDir: values['models-dir'] } : {});
  return { close: (signal) => service.close(signal) };
}

if (isEntry(import.meta.url)) runMain('smartbot service', main);
