// What the app is built from: the config and its collaborators (tests inject fakes), and the
// per-route options the hooks read.
import type { Scope } from '../../contract/keyring-file.js';
import type { Authenticate } from './auth/authenticate.js';
import type { Keyring } from './auth/keyring.js';
import type { ResponseCache } from './cache.js';
import type { ServiceConfig } from './config.js';
import type { Lifecycle } from './lifecycle.js';
import type { ModelRouter } from './model-router.js';
import type { Logger } from './telemetry/logger.js';
import type { ServiceMetrics } from './telemetry/metrics.js';

export interface ServiceDeps {
  config: ServiceConfig;
  /** The models it serves, by id, with their engines and fallbacks. */
  models: ModelRouter;
  authenticate: Authenticate;
  /** The service's keyring (absent in the runtime container). */
  keyring?: Keyring;
  cache?: ResponseCache;
  metrics: ServiceMetrics;
  log: Logger;
  startedAt: number;
  /** Serving or draining: the shutdown's state, shared by the hooks, the routes and main.ts. */
  lifecycle: Lifecycle;
  /** How often a silent stream sends `: ping` (default SSE_HEARTBEAT_MS; tests shorten it). */
  sseHeartbeatMs?: number;
}

/** Which model answered a chat request, and the fallbacks on the way ("from->to"): the access log names them. */
export interface AnsweredBy {
  model: string;
  fallbacks: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the chat routes once a model answers (or the last one tried fails). */
    answeredBy?: AnsweredBy;
    /** Set by hooks/drain.ts: the request is in flight (a shutdown waits for it) until this is called. */
    endInFlight?: () => void;
  }
  interface FastifyContextConfig {
    /** Served without a credential (probes, metrics); every other route needs one (hooks/auth.ts). */
    public?: true;
    /** A kubelet probe (/healthz, /readyz): its 503 is a verdict, logged at info (hooks/access-log.ts). */
    probe?: true;
    /** The scope a non-public route needs; admin when it names none. */
    scope?: Scope;
  }
}
