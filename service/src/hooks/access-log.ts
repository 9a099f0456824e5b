// One log line per request, at error level for a 5xx; a client that went away is an info line
// with status=499 aborted=true. A chat request's line names the model that answered
// (model=…) and any fallback (fallback=from->to). Never the body (prompts) and never the Authorization header.
import type { ServiceDeps } from '../deps.js';
import { appWide } from './app-wide.js';
import { routeLabel } from './metrics.js';
import { onRequestEnd } from './request-end.js';

export const accessLog = appWide<Pick<ServiceDeps, 'log'>>(async (app, { log }) => {
  onRequestEnd(app, (req, { status, aborted, ms }) => {
    const level = status >= 500 ? 'error' : 'info';
    // A chat request names the model that answered and the fallbacks taken on the way.
    const model = req.answeredBy ? { model: req.answeredBy.model, ...(req.answeredBy.fallbacks.length ? { fallback: req.answeredBy.fallbacks.join(',') } : {}) } : {};
    log[level]('request completed', { reqId: req.id, method: req.method, route: routeLabel(req), status, ms, ...model, ...(aborted ? { aborted } : {}) });
  });
});
