// GET /v1/models and GET /v1/models/{id}: the one model this server serves (OpenAI's shapes).
// Like llama-server, both answer 503 while the model is loading, so a client (or a service in
// front) polling them as a readiness check never sends requests that would fail.
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';

const JSON_TYPE = 'application/json; charset=utf-8';

export const modelRoutes: FastifyPluginAsync<ServiceDeps> = async (app, { engine, startedAt }) => {
  const served = { id: engine.modelId, object: 'model', created: Math.floor(startedAt / 1000), owned_by: 'smartbot' };
  // The answers never change while the process runs: serialised once, here, not per request.
  const list = JSON.stringify({ object: 'list', data: [served] });
  const one = JSON.stringify(served);
  const ready = async () => {
    const r = await engine.readiness();
    if (!r.ready) throw new ApiError('model_not_ready', { reason: r.reason ?? 'unknown' });
  };
  app.get('/v1/models', { config: { scope: 'chat' } }, async (_req, reply) => {
    await ready();
    return reply.type(JSON_TYPE).send(list);
  });
  app.get<{ Params: { id: string } }>('/v1/models/:id', { config: { scope: 'chat' } }, async (req, reply) => {
    if (req.params.id !== engine.modelId) throw new ApiError('model_not_found', { asked: req.params.id, served: engine.modelId });
    await ready();
    return reply.type(JSON_TYPE).send(one);
  });
};
