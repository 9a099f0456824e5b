// Health, readiness, metrics and admin status. /healthz: the process is alive. /readyz: the
// default model is loaded, or its upstream answers, and the service is not shutting down (with
// several models, the ones not ready are named). /metrics: Prometheus text. The probes and /metrics
// are public and also serve on the admin port when one is configured (/metrics then only there).
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceDeps } from '../deps.js';
import { ApiError, RETRY_AFTER } from '../errors.js';

export const probeRoutes: FastifyPluginAsync<ServiceDeps> = async (app, { models, lifecycle }) => {
  const several = models.list.length > 1;
  app.get('/healthz', { config: { public: true, probe: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true, probe: true } }, async (_req, reply) => {
    if (lifecycle.draining) return reply.code(503).headers(RETRY_AFTER).send({ status: 'not ready', reason: 'shutting down' });
    const r = await models.readiness();
    // Several models: the ones not ready are named, whether or not the default is among them.
    const others = several && Object.keys(r.notReady).length ? { notReady: r.notReady } : {};
    if (r.ready) return { status: 'ready', model: models.default.id, ...others };
    return reply.code(503).headers(RETRY_AFTER).send({ status: 'not ready', reason: r.reason ?? 'unknown', ...others });
  });
};

export const metricsRoute: FastifyPluginAsync<ServiceDeps> = async (app, { metrics }) => {
  app.get('/metrics', { config: { public: true } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};

/**
 * The public port when the admin port serves /metrics: a 404 that says where, in a header (what
 * `smartbot smoke` follows when it is not told --metrics-url).
 */
export const metricsElsewhereRoute: FastifyPluginAsync<ServiceDeps> = async (app, { config }) => {
  app.get('/metrics', { config: { public: true } }, async (req, reply) => {
    reply.header('x-smartbot-metrics-port', String(config.listen.adminPort));
    throw new ApiError('not_found', { method: req.method, path: '/metrics' });
  });
};

export const adminRoutes: FastifyPluginAsync<ServiceDeps> = async (app, deps) => {
  app.get('/api/v1/admin/status', { config: { scope: 'admin' } }, async () => {
    const { models } = deps;
    const byModel = await Promise.all(models.list.map(async (m) => ({ id: m.id, source: m.engine.source, readiness: await m.engine.readiness(), queueDepth: m.engine.queueDepth(), fallbacks: m.fallbacks })));
    const main = byModel[models.list.indexOf(models.default)]!;
    return {
      environment: deps.config.environment,
      version: deps.config.service.version,
      model: main.id,
      source: main.source,
      readiness: main.readiness,
      queueDepth: models.queueDepth(),
      ...(models.list.length > 1 ? { models: byModel } : {}),
      keyringKeys: deps.keyring?.size ?? 0,
      cache: deps.cache ? 'redis' : 'off',
    };
  });
};
