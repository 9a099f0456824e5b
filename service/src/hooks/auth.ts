// Deny by default: a route needs a credential unless it is marked `config: { public: true }`
// (the probes and /metrics). A route names the scope it needs (`config: { scope: 'chat' }`); one
// that names none needs admin. Unknown paths are a 404 for everyone (not-found.ts).
import type { ServiceDeps } from '../deps.js';
import { appWide } from './app-wide.js';

export const auth = appWide<Pick<ServiceDeps, 'authenticate'>>(async (app, { authenticate }) => {
  // Before body validation: a caller without a valid credential learns nothing about the API.
  app.addHook('preValidation', async (req) => {
    const { public: isPublic, scope } = req.routeOptions.config;
    if (isPublic || req.is404) return;
    await authenticate(req.headers.authorization, scope ?? 'admin');
  });
});
