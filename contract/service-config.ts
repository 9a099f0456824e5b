// The service's config: exactly what `smartbot render` writes into the ConfigMap
// (config/runtime.json) and what the service reads at start. Derived from the environment
// model's types, so a schema change flows through to both sides.
import type { SmartbotEnvironment } from './environment.js';
import type { JwtConfig } from './jwt.js';
import { MONITORING_CONFIG_PATH } from './monitoring-config.js';
import { isLocal, modelSet, type ModelSpec, type ServedModel } from './models.js';
import { parseBytes, parseMillicores } from './quantity.js';

/** Mount points inside the container (the ConfigMap, the keyring, Secrets, models). */
export const PATHS = {
  config: '/etc/smartbot/config/runtime.json',
  keyring: '/etc/smartbot/keyring/keyring.json',
  secrets: '/var/run/secrets/smartbot',
  models: '/data/models',
} as const;

/**
 * Local models are served by the llama.cpp runtime container beside the service (one pod,
 * one compose project). The service reaches it by this name: a hostAliases entry (127.0.0.1)
 * in Kubernetes, the service name in compose, a network alias in the smoke tests.
 */
export const LLAMA_RUNTIME = { host: 'smartbot-runtime', port: 8001 } as const;

/**
 * How the character caps follow from the context when an environment sets none: a token stands
 * for about 4 characters of English, so 4 × context characters per message and 8 × over all
 * messages admit every prompt that can fit, while bounding the tokeniser's work (its time grows
 * faster than the text). Remote models have no context size in the config: 16384 is assumed.
 * The body limit allows 6 bytes a character (a JSON `\uXXXX` escape) plus room for tools and
 * response schemas.
 */
export const PROMPT_CAPS = { messageCharsPerToken: 4, promptCharsPerToken: 8, remoteContextTokens: 16384, bodyBytesPerChar: 6, bodyOverheadBytes: 128 * 1024 } as const;

/** The pod's terminationGracePeriodSeconds is the service's shutdown grace plus this: time to close and exit. */
export const SHUTDOWN_EXIT_MARGIN_SECONDS = 5;

/** What the HTTP API allows a client: sizes, timeouts, browser origins, and how long a shutdown waits. */
export interface HttpConfig {
  maxMessageChars: number;
  maxPromptChars: number;
  bodyLimitBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  shutdownGraceMs: number;
  cors: { allowedOrigins: string[]; allowCredentials: boolean };
}

/** security.jwt's schema defaults: the rendered config states them, so the service needs none of its own. */
export const JWT_DEFAULTS = { issuer: 'smartbot', maxLifetimeSeconds: 86400 } as const;

export interface ServiceConfig {
  environment: string;
  service: Pick<SmartbotEnvironment['service'], 'name' | 'version'>;
  listen: { host: string; port: number; adminPort?: number };
  /** The one model (an environment with `model`); read both shapes with modelSet (contract/models.ts). */
  model?: ModelSpec;
  /** Several models (an environment with `models`), each with its id. */
  models?: ServedModel[];
  /** With `models`: the id that answers requests naming no model. */
  defaultModel?: string;
  inference: SmartbotEnvironment['inference'];
  /** Threads for local inference: a single model's setting, else the CPU limit rounded down (≥ 1); several local models share them (modelThreads). */
  threads: number;
  auth: { keyringFile: string; jwt?: JwtConfig };
  logging: Pick<SmartbotEnvironment['logging'], 'format' | 'level'>;
  cache: SmartbotEnvironment['cache'];
  limits: { memoryBytes: number; cpuMillis: number };
  /** Where Secret keys are mounted: <secretsDir>/<name>/<key>. */
  secretsDir: string;
  /** For local models: the runtime container that runs them all (see LLAMA_RUNTIME). */
  runtime?: { url: string; port: number };
  http: HttpConfig;
  /**
   * monitoring.json (contract/monitoring-config.ts): the alert thresholds and the autoscaling
   * target the admin console draws, read at run time from their own ConfigMap so that changing
   * them restarts nothing (absent: the standalone runtime, which has no console).
   */
  monitoringFile?: string;
}

/** The HTTP settings: the character caps derived from the context (in tokens) when none are set. */
export function httpConfig(
  contextTokens: number,
  caps: Pick<SmartbotEnvironment['inference'], 'maxMessageChars' | 'maxPromptChars'>,
  cors: SmartbotEnvironment['security']['cors'],
  server: SmartbotEnvironment['server'],
): HttpConfig {
  const maxPromptChars = caps.maxPromptChars ?? contextTokens * PROMPT_CAPS.promptCharsPerToken;
  return {
    maxMessageChars: Math.min(caps.maxMessageChars ?? contextTokens * PROMPT_CAPS.messageCharsPerToken, maxPromptChars),
    maxPromptChars,
    bodyLimitBytes: maxPromptChars * PROMPT_CAPS.bodyBytesPerChar + PROMPT_CAPS.bodyOverheadBytes,
    headersTimeoutMs: server.headersTimeoutSeconds * 1000,
    requestTimeoutMs: server.requestTimeoutSeconds * 1000,
    keepAliveTimeoutMs: server.keepAliveTimeoutSeconds * 1000,
    shutdownGraceMs: server.shutdownGraceSeconds * 1000,
    cors: { allowedOrigins: cors.allowedOrigins, allowCredentials: cors.allowCredentials },
  };
}

export function serviceConfig(name: string, env: SmartbotEnvironment): ServiceConfig {
  const cpuMillis = parseMillicores(env.resources.cpu);
  const set = modelSet(env);
  const local = set.models.filter(isLocal);
  // The caps follow the largest context served: a prompt any of the models can take is admitted.
  const contextTokens = Math.max(...set.models.map((m) => (m.source === 'local' ? m.contextSize : PROMPT_CAPS.remoteContextTokens)));
  // A single local model's own setting; several share the CPU threads (modelThreads).
  const ownThreads = set.several ? undefined : local[0]?.threads;
  return {
    environment: name,
    service: { name: env.service.name, version: env.service.version },
    listen: { host: '0.0.0.0', port: env.ports.internal, ...(env.ports.admin === undefined ? {} : { adminPort: env.ports.admin }) },
    ...(set.several ? { models: set.models, defaultModel: set.defaultModel } : { model: env.model! }),
    inference: env.inference,
    threads: ownThreads ?? Math.max(1, Math.floor(cpuMillis / 1000)),
    auth: { keyringFile: PATHS.keyring, ...(env.security.jwt ? { jwt: { ...JWT_DEFAULTS, ...env.security.jwt } } : {}) },
    logging: { format: env.logging.format, level: env.logging.level },
    cache: env.cache,
    limits: { memoryBytes: parseBytes(env.resources.memory), cpuMillis },
    secretsDir: PATHS.secrets,
    ...(local.length ? { runtime: { url: `http://${LLAMA_RUNTIME.host}:${LLAMA_RUNTIME.port}/v1`, port: LLAMA_RUNTIME.port } } : {}),
    http: httpConfig(contextTokens, env.inference, env.security.cors, env.server),
    monitoringFile: MONITORING_CONFIG_PATH,
  };
}
