// An unknown path is an OpenAI-shaped 404, for callers with or without credentials.
import { ApiError } from '../errors.js';
import { appWide } from './app-wide.js';

export const notFound = appWide(async (app) => {
  app.setNotFoundHandler(async (req) => {
    throw new ApiError('not_found', { method: req.method, path: req.url.split('?')[0]! });
  });
});
