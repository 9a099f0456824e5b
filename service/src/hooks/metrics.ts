// Request duration and count by route, method and status: the series the rendered alerts query.
import type { FastifyRequest } from 'fastify';
import type { ServiceDeps } from '../deps.js';
import { appWide } from './app-wide.js';

/** The route pattern (never the raw URL: bounded label values), or "unmatched" for a 404. */
export const routeLabel = (req: FastifyRequest) => req.routeOptions.url ?? 'unmatched';

export const requestMetrics = appWide<Pick<ServiceDeps, 'metrics'>>(async (app, { metrics }) => {
  app.addHook('onResponse', async (req, reply) => {
    const labels = { route: routeLabel(req), method: req.method, status: String(reply.statusCode) };
    metrics.requestDuration.observe(labels, reply.elapsedTime / 1000);
    metrics.requests.inc(labels);
  });
});
