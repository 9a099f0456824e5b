// GET /v1/models: the one model this server serves (OpenAI list shape). Like llama-server, it
// answers 503 while the model is loading, so a client (or a service in front) polling it as a
// readiness check never sends requests that would fail.
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';

export const modelRoutes: FastifyPluginAsync<ServiceDeps> = async (app, { engine, startedAt }) => {
  app.get('/v1/models', { config: { scope: 'chat' } }, async () => {
    const r = await engine.readiness();
    if (!r.ready) throw new ApiError('model_not_ready', { reason: r.reason ?? 'unknown' });
    return { object: 'list', data: [{ id: engine.modelId, object: 'model', created: Math.floor(startedAt / 1000), owned_by: 'smartbot' }] };
  });
};
