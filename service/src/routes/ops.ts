// Health, readiness, metrics and admin status. /healthz: the process is alive. /readyz: the
// model is loaded, or the upstream answers, and the service is not shutting down. /metrics: Prometheus text. The probes and /metrics
// are public and also serve on the admin port when one is configured (/metrics then only there).
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceDeps } from '../deps.js';
import { RETRY_AFTER } from '../errors.js';

export const probeRoutes: FastifyPluginAsync<ServiceDeps> = async (app, { engine, lifecycle }) => {
  app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true } }, async (_req, reply) => {
    const r = lifecycle.draining ? { ready: false, reason: 'shutting down' } : await engine.readiness();
    if (r.ready) return { status: 'ready', model: engine.modelId };
    return reply.code(503).headers(RETRY_AFTER).send({ status: 'not ready', reason: r.reason ?? 'unknown' });
  });
};

export const metricsRoute: FastifyPluginAsync<ServiceDeps> = async (app, { metrics }) => {
  app.get('/metrics', { config: { public: true } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};

export const adminRoutes: FastifyPluginAsync<ServiceDeps> = async (app, deps) => {
  app.get('/api/v1/admin/status', { config: { scope: 'admin' } }, async () => ({
    environment: deps.config.environment,
    version: deps.config.service.version,
    model: deps.engine.modelId,
    source: deps.engine.source,
    readiness: await deps.engine.readiness(),
    queueDepth: deps.engine.queueDepth(),
    keyringKeys: deps.keyring?.size ?? 0,
    cache: deps.cache ? 'redis' : 'off',
  }));
};
