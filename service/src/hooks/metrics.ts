// Request duration and count by route, method and status (499 for a client that went away):
// the series the rendered alerts query.
import type { FastifyRequest } from 'fastify';
import type { ServiceDeps } from '../deps.js';
import { appWide } from './app-wide.js';
import { onRequestEnd } from './request-end.js';

/** The route pattern (never the raw URL: bounded label values), or "unmatched" for a 404. */
export const routeLabel = (req: FastifyRequest) => req.routeOptions.url ?? 'unmatched';

export const requestMetrics = appWide<Pick<ServiceDeps, 'metrics'>>(async (app, { metrics }) => {
  onRequestEnd(app, (req, { status, ms }) => {
    const labels = { route: routeLabel(req), method: req.method, status: String(status) };
    metrics.requestDuration.observe(labels, ms / 1000);
    metrics.requests.inc(labels);
  });
});
