// Deny by default: a route needs a credential unless it is marked `config: { public: true }`
// (the probes and /metrics). A route names the scope it needs (`config: { scope: 'chat' }`); one
// that names none needs admin. Unknown paths are a 404 for everyone (not-found.ts).
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { appWide } from './app-wide.js';

export const auth = appWide<Pick<ServiceDeps, 'authenticate'>>(async (app, { authenticate }) => {
  // In onRequest, before the body is read: a caller without a valid credential gets its 401 and
  // nothing else — no schema errors, and no time to trickle a body in.
  // Callback style, not async: an API key is checked at once, and every request passes here.
  app.addHook('onRequest', (req, reply, done) => {
    const { public: isPublic, scope } = req.routeOptions.config;
    if (isPublic || req.is404) return done();
    const refuse = (e: unknown) => {
      // A body is still on its way: close the connection after the answer rather than read it.
      if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) reply.header('connection', 'close');
      // fastify reads a falsy error as "go on": whatever is thrown, the request stops here.
      done(e instanceof Error ? e : new ApiError('internal_error'));
    };
    let caller;
    try {
      caller = authenticate(req.headers.authorization, scope ?? 'admin');
    } catch (e) {
      return refuse(e);
    }
    if ('then' in caller) caller.then(() => done(), refuse);
    else done();
  });
});
