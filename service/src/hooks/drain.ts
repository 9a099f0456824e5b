// Shutting down: the requests in flight are counted (the grace period waits for them), and a
// new request that is not a probe gets 503 shutting_down with Retry-After and Connection: close,
// so its client retries on another instance.
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { appWide } from './app-wide.js';
import { onRequestEnd } from './request-end.js';

export const drain = appWide<Pick<ServiceDeps, 'lifecycle'>>(async (app, { lifecycle }) => {
  // Callback style, not async: every request passes here.
  app.addHook('onRequest', (req, reply, done) => {
    if (req.routeOptions.config.public) return done();
    if (lifecycle.draining) return done(new ApiError('shutting_down'));
    req.endInFlight = lifecycle.begin();
    done();
  });
  // Ended where the request log and the metrics see the request end: one listener serves all.
  onRequestEnd(app, (req) => req.endInFlight?.());
});
