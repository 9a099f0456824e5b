// Every error leaves as OpenAI's error body, with its code's status and headers from the
// catalogue (Retry-After on 429 and 503): an ApiError as thrown; a body the schema rejected as
// invalid_body; fastify's own 4xx (malformed JSON, wrong content type) as unreadable_request;
// anything else is logged and answered with a bare 500.
import type { FastifyError } from 'fastify';
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { appWide } from './app-wide.js';

export const errorMapping = appWide<Pick<ServiceDeps, 'log'>>(async (app, { log }) => {
  app.setErrorHandler<FastifyError | ApiError>(async (error, req, reply) => {
    let api: ApiError;
    if (error instanceof ApiError) api = error;
    else if (error.validation) api = new ApiError('invalid_body', { detail: error.message, where: error.validationContext ?? null });
    else if (error.statusCode && error.statusCode < 500) api = new ApiError('unreadable_request', { detail: error.message });
    else {
      log.error('unhandled error', { reqId: req.id, error: error.message });
      api = new ApiError('internal_error');
    }
    return reply.code(api.status).headers(api.headers).send(api.body());
  });
});
