// One log line per request; a client that went away is an info line with status=499
// aborted=true. A chat request's line names the model that answered (model=…) and any
// fallback (fallback=from->to). Never the body (prompts) and never the Authorization header.
import type { ServiceDeps } from '../deps.js';
import type { Fields, Level } from '../telemetry/logger.js';
import { appWide } from './app-wide.js';
import { onRequestEnd, type RequestOutcome } from './request-end.js';

/**
 * The access line's level. [ERROR] is kept for what an operator must act on, because log-based
 * alerts fire on it: a probe's answer is its verdict, not a failure (the kubelet reads a 503
 * while the model loads or the pod drains at every start and stop); any other 503 is the
 * service saying "not now" with Retry-After (loading, draining, an upstream away), a warning;
 * every other 5xx is an error.
 */
export function accessLevel(config: RequestOutcome['config'] | undefined, status: number): Level {
  if (config?.probe || status < 500) return 'info';
  return status === 503 ? 'warn' : 'error';
}

export const accessLog = appWide<Pick<ServiceDeps, 'log'>>(async (app, { log }) => {
  onRequestEnd(app, (req, { route, config, status, aborted, ms }) => {
    // Built field by field, not spread together: this runs once per request.
    const fields: Fields = { reqId: req.id, method: req.method, route, status, ms };
    // A chat request names the model that answered and the fallbacks taken on the way.
    const by = req.answeredBy;
    if (by) {
      fields.model = by.model;
      if (by.fallbacks.length) fields.fallback = by.fallbacks.join(',');
    }
    if (aborted) fields.aborted = true;
    log[accessLevel(config, status)]('request completed', fields);
  });
});
