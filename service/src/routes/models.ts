// GET /v1/models and GET /v1/models/{id}: every model this server serves (OpenAI's shapes).
// Like llama-server, the list answers 503 while the default model is loading, so a client (or a
// service in front) polling it as a readiness check never sends requests that would fail; one
// model's answers 503 while that model is not ready, and an unknown id is 404 naming the ids
// served.
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import type { RoutedModel } from '../model-router.js';

const JSON_TYPE = 'application/json; charset=utf-8';

export const modelRoutes: FastifyPluginAsync<ServiceDeps> = async (app, { models, startedAt }) => {
  const created = Math.floor(startedAt / 1000);
  const served = (m: RoutedModel) => ({ id: m.id, object: 'model', created, owned_by: 'smartbot' });
  // The answers never change while the process runs: serialised once, here, not per request.
  const list = JSON.stringify({ object: 'list', data: models.list.map(served) });
  const one = new Map(models.list.map((m) => [m.id, JSON.stringify(served(m))]));
  const ready = async (m: RoutedModel) => {
    const r = await m.engine.readiness();
    if (!r.ready) throw new ApiError('model_not_ready', { reason: r.reason ?? 'unknown' });
  };
  app.get('/v1/models', { config: { scope: 'chat' } }, async (_req, reply) => {
    await ready(models.default);
    return reply.type(JSON_TYPE).send(list);
  });
  app.get<{ Params: { id: string } }>('/v1/models/:id', { config: { scope: 'chat' } }, async (req, reply) => {
    const m = models.resolve(req.params.id);
    await ready(m);
    return reply.type(JSON_TYPE).send(one.get(m.id));
  });
};
