// Browser access (CORS) from the configured allowlist, before authentication: a preflight
// (OPTIONS with Access-Control-Request-Method) from an allowed origin gets 204 with what it may
// send, from any other origin 403 origin_not_allowed; a plain OPTIONS gets 204 with Allow. An
// allowed origin's requests carry Access-Control-Allow-Origin, so a browser can read the answer
// (errors included); other origins get no CORS headers, and the browser withholds the answer.
// `*` allows every origin: answered as `*`, or, with credentials, as the origin itself (browsers
// refuse `*` with credentials; the enterprise policy forbids that combination).
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { appWide } from './app-wide.js';
import type { RouteTable } from './route-table.js';

/** Headers a browser script may read from our answers. */
const EXPOSED = 'x-request-id, x-smartbot-cache, x-smartbot-model, x-smartbot-fallback, retry-after';
/** How long a browser may cache a preflight's answer (seconds). */
const PREFLIGHT_MAX_AGE = '600';

export const cors = appWide<Pick<ServiceDeps, 'config'> & { routes: RouteTable }>(async (app, { config, routes }) => {
  const { allowedOrigins, allowCredentials } = config.http.cors;
  const any = allowedOrigins.includes('*');
  const listed = new Set(allowedOrigins);

  // Callback style, not async: every request passes here, and most have nothing to do.
  app.addHook('onRequest', (req, reply, done) => {
    const origin = req.headers.origin;
    const allowed = origin !== undefined && (any || listed.has(origin));
    if (allowedOrigins.length > 0) reply.header('vary', 'Origin');
    if (allowed) {
      reply.header('access-control-allow-origin', any && !allowCredentials ? '*' : origin);
      if (allowCredentials) reply.header('access-control-allow-credentials', 'true');
      reply.header('access-control-expose-headers', EXPOSED);
    }
    if (req.method !== 'OPTIONS') return done();
    const methods = routes.methodsFor(req.url.split('?')[0]!);
    if (methods.length === 0) return done(); // an unknown path: the not-found handler answers 404
    const asked = req.headers['access-control-request-method'];
    if (origin !== undefined && asked !== undefined) {
      if (!allowed) return done(new ApiError('origin_not_allowed', { origin }));
      reply.header('access-control-allow-methods', methods.join(', '));
      const headers = req.headers['access-control-request-headers'];
      if (headers) reply.header('access-control-allow-headers', headers);
      reply.header('access-control-max-age', PREFLIGHT_MAX_AGE);
    } else reply.header('allow', methods.join(', '));
    // Answered here: the request goes no further (done is not called).
    reply.code(204).send();
  });
});
