// One log line per request, at error level for a 5xx. Never the body (prompts) and never the
// Authorization header.
import type { ServiceDeps } from '../deps.js';
import { appWide } from './app-wide.js';
import { routeLabel } from './metrics.js';

export const accessLog = appWide<Pick<ServiceDeps, 'log'>>(async (app, { log }) => {
  app.addHook('onResponse', async (req, reply) => {
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    log[level]('request completed', { reqId: req.id, method: req.method, route: routeLabel(req), status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
  });
});
