// The fastify app, built from a service config and its collaborators (so tests inject them).
// One concern a file: routes/ (chat, models, ops), auth/, engine/, telemetry/, errors.ts;
// what they share is deps.ts.
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ServiceDeps } from './deps.js';
import { ApiError } from './errors.js';
import { registerChat } from './routes/chat.js';
import { registerModels } from './routes/models.js';
import { registerAdmin, registerProbes } from './routes/ops.js';

export type { ServiceDeps };

const REQUEST_ID = /^[\w.-]{1,64}$/;

function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : `req-${randomBytes(6).toString('hex')}`;
}

/** Common hooks: request ids, auth, metrics, one log line per request, OpenAI-shaped errors. */
function instrument(app: FastifyInstance, deps: ServiceDeps): void {
  const started = new WeakMap<FastifyRequest, number>();
  app.addHook('onRequest', async (req, reply) => {
    started.set(req, performance.now());
    reply.header('x-request-id', req.id);
  });
  // Before body validation: a caller without a valid credential learns nothing about the API.
  app.addHook('preValidation', async (req) => {
    const scope = req.routeOptions.config.scope;
    if (scope) await deps.authenticate(req.headers.authorization, scope);
  });
  app.addHook('onResponse', async (req, reply) => {
    const seconds = (performance.now() - (started.get(req) ?? performance.now())) / 1000;
    const labels = { route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) };
    deps.metrics.requestDuration.observe(labels, seconds);
    deps.metrics.requests.inc(labels);
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    // Never the body (prompts) and never the Authorization header.
    deps.log[level]('request completed', { reqId: req.id, method: req.method, route: labels.route, status: reply.statusCode, ms: Math.round(seconds * 1000) });
  });
  app.setErrorHandler(async (error: Error & { validation?: unknown; validationContext?: string; statusCode?: number }, req, reply) => {
    let api: ApiError;
    if (error instanceof ApiError) api = error;
    else if (error.validation) api = new ApiError('invalid_request', `Invalid request: ${error.message}.`, error.validationContext ?? null);
    else if (error.statusCode && error.statusCode < 500) api = new ApiError('invalid_request', error.message);
    else {
      deps.log.error('unhandled error', { reqId: req.id, error: error.message });
      api = new ApiError('internal_error');
    }
    return reply.code(api.status).send(api.body());
  });
  app.setNotFoundHandler(async (req, reply) => {
    const api = new ApiError('not_found', `No such endpoint: ${req.method} ${req.url.split('?')[0]}.`);
    return reply.code(api.status).send(api.body());
  });
}

/** The public app: API, probes, and /metrics unless an admin port carries it. */
export function buildApp(deps: ServiceDeps, https?: { key: string; cert: string }): FastifyInstance {
  const app = (https ? Fastify({ logger: false, genReqId, bodyLimit: 1 << 20, https }) : Fastify({ logger: false, genReqId, bodyLimit: 1 << 20 })) as unknown as FastifyInstance;
  instrument(app, deps);
  registerChat(app, deps);
  registerModels(app, deps);
  registerAdmin(app, deps);
  registerProbes(app, deps, deps.config.listen.adminPort === undefined);
  return app;
}

/** The admin port: probes and /metrics only. */
export function buildAdminApp(deps: ServiceDeps): FastifyInstance {
  const app = Fastify({ logger: false, genReqId });
  instrument(app, deps);
  registerProbes(app, deps, true);
  return app;
}
