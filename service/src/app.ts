// The fastify app, built from a service config and its collaborators (so tests inject them).
// The hooks (hooks/, one concern each) register first and app-wide; then each group of routes
// (routes/) as its own plugin. What they share is deps.ts.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { adminConsole, type ConsoleOptions } from './admin/console.js';
import type { ServiceDeps } from './deps.js';
import { accessLog } from './hooks/access-log.js';
import { auth } from './hooks/auth.js';
import { clientErrorHandler, MAX_HEADER_BYTES } from './hooks/client-error.js';
import { cors } from './hooks/cors.js';
import { drain } from './hooks/drain.js';
import { errorMapping } from './hooks/error-mapping.js';
import { requestMetrics } from './hooks/metrics.js';
import { notFound } from './hooks/not-found.js';
import { genReqId, requestId } from './hooks/request-id.js';
import { RouteTable } from './hooks/route-table.js';
import { chatRoutes } from './routes/chat.js';
import { modelRoutes } from './routes/models.js';
import { adminRoutes, metricsElsewhereRoute, metricsRoute, probeRoutes } from './routes/ops.js';

export type { ServiceDeps };

/** How often Node checks connections against the header and request timeouts (its default, 30 s, would let a slow client run 30 s over). */
const TIMEOUT_CHECK_MS = 500;

/**
 * The server's limits from the service config: body size, header/request/keep-alive timeouts,
 * Node's parser errors in OpenAI's shape, and a request schema that never coerces types or
 * drops fields.
 */
function serverOptions(deps: ServiceDeps, https?: { key: string; cert: string }) {
  const h = deps.config.http;
  const node = { headersTimeout: Math.min(h.headersTimeoutMs, h.requestTimeoutMs), connectionsCheckingInterval: TIMEOUT_CHECK_MS, maxHeaderSize: MAX_HEADER_BYTES };
  return {
    logger: false,
    genReqId,
    bodyLimit: h.bodyLimitBytes,
    requestTimeout: h.requestTimeoutMs,
    keepAliveTimeout: h.keepAliveTimeoutMs,
    clientErrorHandler: clientErrorHandler(deps),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allowUnionTypes: true } },
    ...(https ? { https: { ...https, ...node } } : { http: node }),
  } satisfies FastifyServerOptions & Record<string, unknown>;
}

/** Request ids, the request log and metrics, CORS, draining, auth, OpenAI-shaped errors, 404 and 405. */
function registerHooks(app: FastifyInstance, deps: ServiceDeps): void {
  const routes = new RouteTable();
  app.addHook('onRoute', routes.add);
  // Only JSON bodies: anything else is 415 (fastify would otherwise read text/plain as a string).
  app.removeContentTypeParser('text/plain');
  app.register(requestId);
  app.register(requestMetrics, deps);
  app.register(accessLog, deps);
  app.register(cors, { ...deps, routes });
  app.register(drain, deps);
  app.register(auth, deps);
  app.register(errorMapping, deps);
  app.register(notFound, { routes });
}

/** The public app: API, probes, and /metrics unless an admin port carries it. */
export function buildApp(deps: ServiceDeps, https?: { key: string; cert: string }): FastifyInstance {
  const app = Fastify(serverOptions(deps, https)) as unknown as FastifyInstance;
  registerHooks(app, deps);
  app.register(chatRoutes, deps);
  app.register(modelRoutes, deps);
  app.register(adminRoutes, deps);
  app.register(probeRoutes, deps);
  app.register(deps.config.listen.adminPort === undefined ? metricsRoute : metricsElsewhereRoute, deps);
  return app;
}

/** The admin port: probes, /metrics and the read-only admin console (admin/). */
export function buildAdminApp(deps: ServiceDeps, consoleOptions: ConsoleOptions = {}): FastifyInstance {
  const app = Fastify(serverOptions(deps)) as unknown as FastifyInstance;
  registerHooks(app, deps);
  app.register(probeRoutes, deps);
  app.register(metricsRoute, deps);
  app.register(adminConsole, { deps, options: consoleOptions });
  return app;
}
