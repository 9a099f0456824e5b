// The fastify app, built from a service config and its collaborators (so tests inject them).
// The hooks (hooks/, one concern each) register first and app-wide; then each group of routes
// (routes/) as its own plugin. What they share is deps.ts.
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServiceDeps } from './deps.js';
import { accessLog } from './hooks/access-log.js';
import { auth } from './hooks/auth.js';
import { errorMapping } from './hooks/error-mapping.js';
import { requestMetrics } from './hooks/metrics.js';
import { notFound } from './hooks/not-found.js';
import { genReqId, requestId } from './hooks/request-id.js';
import { chatRoutes } from './routes/chat.js';
import { modelRoutes } from './routes/models.js';
import { adminRoutes, metricsRoute, probeRoutes } from './routes/ops.js';

export type { ServiceDeps };

/** Request ids, auth, metrics, one log line per request, OpenAI-shaped errors and 404s. */
function registerHooks(app: FastifyInstance, deps: ServiceDeps): void {
  app.register(requestId);
  app.register(auth, deps);
  app.register(requestMetrics, deps);
  app.register(accessLog, deps);
  app.register(errorMapping, deps);
  app.register(notFound);
}

/** The public app: API, probes, and /metrics unless an admin port carries it. */
export function buildApp(deps: ServiceDeps, https?: { key: string; cert: string }): FastifyInstance {
  const app = (https ? Fastify({ logger: false, genReqId, bodyLimit: 1 << 20, https }) : Fastify({ logger: false, genReqId, bodyLimit: 1 << 20 })) as unknown as FastifyInstance;
  registerHooks(app, deps);
  app.register(chatRoutes, deps);
  app.register(modelRoutes, deps);
  app.register(adminRoutes, deps);
  app.register(probeRoutes, deps);
  if (deps.config.listen.adminPort === undefined) app.register(metricsRoute, deps);
  return app;
}

/** The admin port: probes and /metrics only. */
export function buildAdminApp(deps: ServiceDeps): FastifyInstance {
  const app = Fastify({ logger: false, genReqId });
  registerHooks(app, deps);
  app.register(probeRoutes, deps);
  app.register(metricsRoute, deps);
  return app;
}
