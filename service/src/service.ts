// startService: builds the service from its config and starts it (the entry is
// entries/main.ts; `smartbot start` and the runtime container call it too). Listens at once
// (/healthz answers while local models load; /readyz turns 200 when the default model is
// ready). Local models that fail verification or do not fit together are refused: onLoadError
// (by default the process exits 1 with the reason, so the orchestrator shows it). On SIGTERM it
// drains (lifecycle.ts): not ready, new requests 503, answers in flight get the grace period.
import { basename, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { isLocal, modelSet, modelThreads, type LocalServedModel, type ServedModel } from '../../contract/models.js';
import { AUDIT_LOG_FILE } from '../../contract/keyring-file.js';
import { AuditHistory } from './admin/audit.js';
import type { ConsoleOptions } from './admin/console.js';
import { buildAdminApp, buildApp, type ServiceDeps } from './app.js';
import { keyringAuth, vouchedAuth, type Authenticate } from './auth/authenticate.js';
import { JwtVerifier } from '../../contract/jwt.js';
import { environmentKnobs } from '../../gguf/preflight.js';
import { Keyring } from './auth/keyring.js';
import { createCache } from './cache.js';
import type { ServiceConfig } from './config.js';
import { LocalEngine, verifyModels } from './engine/local.js';
import { DEFAULT_RETRY, RemoteEngine, remoteTarget, runtimeTarget } from './engine/remote.js';
import { ModelRouter, type RoutedModel } from './model-router.js';
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
  /** The id clients name a single model by (default: the config's, else the file's base name or the upstream model name). */
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
  /** Resolves when the local models are loaded (immediately when there are none). */
  loaded: Promise<void>;
  url: string;
  /**
   * The shutdown: readiness fails and new requests get 503 at once, answers in flight get the
   * grace period (config.http.shutdownGraceMs) and are then cut; then app.close(), whose onClose
   * hooks close the admin app, keyring watcher, cache and engine.
   */
  close(signal?: string): Promise<void>;
}

/** Where a local model's file is read: its configured path, or its base name in the models directory. */
const modelPath = (m: LocalServedModel, modelsDir?: string) => (modelsDir ? join(modelsDir, basename(m.path)) : m.path);

/**
 * One engine per model: remote models call their API; local ones the runtime container beside
 * the service (which serves them all), or — in-process — node-llama-cpp here.
 */
function routedModels(config: ServiceConfig, opts: StartOptions, log: Logger): { routed: RoutedModel[]; local: InProcess[]; defaultId: string } {
  const set = modelSet(config);
  const locals = set.models.filter(isLocal);
  const inProcess = !config.runtime || opts.localInference === 'in-process';
  const idOf = (m: ServedModel) => (!set.several && opts.modelId ? opts.modelId : m.id);
  const local: InProcess[] = [];
  const routed = set.models.map((m, i): RoutedModel => {
    const id = idOf(m);
    const spec = { ...m, id };
    if (!isLocal(spec)) return { id, engine: new RemoteEngine(remoteTarget(config, spec), id, log), fallbacks: m.fallbacks ?? [], contextTokens: Infinity, spec };
    let engine;
    if (inProcess) {
      const settings = { model: spec, path: modelPath(spec, opts.modelsDir), threads: modelThreads(spec, config.threads, locals.length), sequences: config.inference.parallelSequences };
      engine = new LocalEngine(settings, log);
      local.push({ engine, model: spec, path: settings.path, name: set.names[i]! });
    } else engine = new RemoteEngine(runtimeTarget(config, id, set.several), id, log, DEFAULT_RETRY, 'local');
    return { id, engine, fallbacks: m.fallbacks ?? [], contextTokens: spec.contextSize, spec };
  });
  return { routed, local, defaultId: idOf(set.models.find((m) => m.id === set.defaultModel)!) };
}

/** A local model run in this process: its engine, and what its pre-flight names. */
interface InProcess {
  engine: LocalEngine;
  model: LocalServedModel;
  path: string;
  /** `model` or `models[i]`: the advice names its settings so. */
  name: string;
}

/** The pre-flight of every in-process local model together, then each load, one after another. */
async function loadLocal(local: InProcess[], config: ServiceConfig): Promise<void> {
  for (const { engine } of local) void engine.binding().catch(() => {}); // a failed pre-flight wins; this rejection is then moot
  const { files } = await verifyModels(
    local.map(({ model, path, name }) => ({ id: model.id, path, sha256: model.sha256, contextSize: model.contextSize, contextKnob: environmentKnobs(name).contextSize })),
    config.inference.parallelSequences,
    config.limits.memoryBytes,
  );
  for (const [i, { engine }] of local.entries()) await engine.load(files[i]!);
}

/** Beside its repository (the console's audit option set), the API refuses what the console refuses: a key only a rewritten line holds. */
function withHistory(auth: Authenticate, audit: ConsoleOptions['audit']): Authenticate {
  if (!audit) return auth;
  const history = new AuditHistory(audit.log, audit.workflowKey);
  return vouchedAuth(auth, async (sha256) => (await history.read())?.unvouched.get(sha256), AUDIT_LOG_FILE);
}

export async function startService(config: ServiceConfig, opts: StartOptions = {}): Promise<RunningService> {
  const log = opts.log ?? createLogger({ format: config.logging.format, level: config.logging.level });
  const metrics = createMetrics();
  // The runtime container brings its own authenticate and has no keyring mounted.
  const keyring = opts.authenticate ? undefined : new Keyring(config.auth.keyringFile, log);
  const jwt = config.auth.jwt ? new JwtVerifier(config.auth.jwt) : undefined;
  const { routed, local, defaultId } = routedModels(config, opts, log);
  // The queue and sequence gauges read every model's engine at collection (telemetry/metrics.ts).
  const models = new ModelRouter(routed, defaultId);
  const cache = createCache(config, log);
  const lifecycle = new Lifecycle();
  const deps: ServiceDeps = {
    config,
    models,
    authenticate: withHistory(opts.authenticate ?? keyringAuth(keyring!, jwt), opts.console?.audit),
    ...(keyring ? { keyring } : {}),
    ...(cache ? { cache } : {}),
    metrics,
    log,
    startedAt: Date.now(),
    lifecycle,
    ...(opts.sseHeartbeatMs ? { sseHeartbeatMs: opts.sseHeartbeatMs } : {}),
  };

  // Start loading the local models at once; /healthz answers meanwhile, /readyz once the default is ready.
  const loaded = local.length
    ? loadLocal(local, config).catch((e: Error) => {
        for (const { engine } of local) engine.fail(e.message);
        log.error('model refused', { error: e.message });
        (opts.onLoadError ?? (() => process.exit(1)))(e);
      })
    : Promise.resolve();

  const app = buildApp(deps, opts.https);
  const admin = config.listen.adminPort !== undefined ? buildAdminApp(deps, opts.console) : undefined;
  // app.close() tears down everything the service opened, once the public app has stopped
  // serving. fastify runs onClose hooks last-registered first: admin, keyring, cache, engines.
  app.addHook('onClose', async () => models.close());
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
  log.info('listening', { url, admin: config.listen.adminPort, environment: config.environment, model: models.default.id, source: models.default.engine.source, ...(routed.length > 1 ? { models: models.ids.join(',') } : {}), keys: keyring?.size, jwt: Boolean(jwt), cache: cache ? 'redis' : 'off' });

  const close = async (signal = 'close') => {
    const graceMs = config.http.shutdownGraceMs;
    log.info('shutting down', { signal, graceMs });
    const { inFlight, cut } = await lifecycle.drain(graceMs);
    if (inFlight > 0) log.info('drained', { inFlight, cut });
    await app.close();
  };
  return { deps, app, ...(admin ? { admin } : {}), loaded, url, close };
}

