// Shutting down: the requests in flight are counted (the grace period waits for them), and a
// new request that is not a probe gets 503 shutting_down with Retry-After and Connection: close,
// so its client retries on another instance.
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { appWide } from './app-wide.js';

export const drain = appWide<Pick<ServiceDeps, 'lifecycle'>>(async (app, { lifecycle }) => {
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.config.public) return;
    if (lifecycle.draining) throw new ApiError('shutting_down');
    reply.raw.once('close', lifecycle.begin());
  });
});
