// Health, readiness, metrics and admin status. /healthz: the process is alive. /readyz: the
// model is loaded, or the upstream answers. /metrics: Prometheus text. These three also serve
// on the admin port when one is configured (and then /metrics only there).
import type { FastifyInstance } from 'fastify';
import type { ServiceDeps } from '../deps.js';

export function registerProbes(app: FastifyInstance, deps: ServiceDeps, withMetrics: boolean): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = await deps.engine.readiness();
    if (r.ready) return { status: 'ready', model: deps.engine.modelId };
    return reply.code(503).send({ status: 'not ready', reason: r.reason ?? 'unknown' });
  });
  if (withMetrics) {
    app.get('/metrics', async (_req, reply) => {
      deps.metrics.queueDepth.set(deps.engine.queueDepth());
      reply.header('content-type', deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });
  }
}

export function registerAdmin(app: FastifyInstance, deps: ServiceDeps): void {
  app.get('/api/v1/admin/status', { config: { scope: 'admin' as const } }, async () => ({
    environment: deps.config.environment,
    version: deps.config.service.version,
    model: deps.engine.modelId,
    source: deps.engine.source,
    readiness: await deps.engine.readiness(),
    queueDepth: deps.engine.queueDepth(),
    keyringKeys: deps.keyring?.size ?? 0,
    cache: deps.cache ? 'redis' : 'off',
  }));
}
