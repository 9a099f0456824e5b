// Every error leaves as OpenAI's error body, with its code's status and headers from the
// catalogue (Retry-After on 429 and 503): an ApiError as thrown; a field the body schema
// rejected as invalid_field / missing_field / unknown_field naming it (`messages[0].content`);
// fastify's own refusals as 413, 415 or 400; anything else is logged and answered with a bare
// 500. A request whose client has gone away is answered to nobody and logged as nothing here
// (the access log writes its 499 line).
import type { FastifyError, FastifyRequest } from 'fastify';
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { appWide } from './app-wide.js';

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `/messages/0/content` → `messages[0].content`, OpenAI's way of naming a field. */
export function paramOf(pointer: string, child?: string): string {
  const segments = pointer.split('/').slice(1);
  if (child !== undefined) segments.push(child);
  return segments.reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), '');
}

const valueAt = (body: unknown, pointer: string) => pointer.split('/').slice(1).reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], body);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** The first thing the schema found wrong, as the catalogue's error naming the field. */
export function schemaError(e: SchemaError, body: unknown): ApiError {
  const param = paramOf(e.instancePath);
  switch (e.keyword) {
    case 'required':
      return new ApiError('missing_field', { param: paramOf(e.instancePath, String(e.params.missingProperty)) });
    case 'additionalProperties':
      return new ApiError('unknown_field', { param: paramOf(e.instancePath, String(e.params.additionalProperty)) });
    case 'type': {
      const expected = String(e.params.type).split(',').join(' or ');
      if (param === '') return new ApiError('unreadable_request', { detail: `The request body must be a JSON object, got ${describe(body)}.` });
      return new ApiError('invalid_field', { param, problem: `expected ${expected}, got ${describe(valueAt(body, e.instancePath))}` });
    }
    case 'enum':
      return new ApiError('invalid_field', { param, problem: `expected one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describe(valueAt(body, e.instancePath))}` });
    case 'const':
      return new ApiError('invalid_field', { param, problem: `expected ${JSON.stringify(e.params.allowedValue)}, got ${describe(valueAt(body, e.instancePath))}` });
    default:
      return new ApiError('invalid_field', { param, problem: `${e.message ?? `fails ${e.keyword}`}, got ${describe(valueAt(body, e.instancePath))}` });
  }
}

/** fastify's refusals before any route ran: the body's size and type, then its syntax. */
function frameworkError(error: FastifyError, req: FastifyRequest, limit: number): ApiError {
  if (error.statusCode === 413) return new ApiError('request_too_large', { limit });
  if (error.statusCode === 415) return new ApiError('unsupported_media_type', { type: JSON.stringify(req.headers['content-type'] ?? '(none)') });
  return new ApiError('unreadable_request', { detail: error.message });
}

export const errorMapping = appWide<Pick<ServiceDeps, 'log' | 'config'>>(async (app, { log, config }) => {
  app.setErrorHandler<FastifyError | ApiError>(async (error, req, reply) => {
    let api: ApiError;
    if (error instanceof ApiError) api = error;
    else if (error.validation?.length) api = schemaError(error.validation[0] as SchemaError, req.body);
    else if (error.statusCode && error.statusCode < 500) api = frameworkError(error, req, config.http.bodyLimitBytes);
    else if (reply.raw.destroyed || req.raw.socket?.destroyed) return; // the client went away: nobody to answer
    else {
      log.error('unhandled error', { reqId: req.id, error: error.message });
      api = new ApiError('internal_error');
    }
    return reply.code(api.status).headers(api.headers).send(api.body());
  });
});
