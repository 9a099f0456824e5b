// An unknown path is an OpenAI-shaped 404, for callers with or without credentials; a known path
// asked with a method it does not answer is 405 with Allow.
import { ApiError } from '../errors.js';
import { appWide } from './app-wide.js';
import type { RouteTable } from './route-table.js';

export const notFound = appWide<{ routes: RouteTable }>(async (app, { routes }) => {
  app.setNotFoundHandler(async (req) => {
    const path = req.url.split('?')[0]!;
    const allow = routes.methodsFor(path);
    if (allow.length > 0) throw new ApiError('method_not_allowed', { method: req.method, path, allow });
    throw new ApiError('not_found', { method: req.method, path });
  });
});
