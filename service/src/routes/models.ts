// GET /v1/models: the one model this server serves (OpenAI list shape). Like llama-server, it
// answers 503 while the model is loading, so a client (or a service in front) polling it as a
// readiness check never sends requests that would fail.
import type { FastifyInstance } from 'fastify';
import type { ServiceDeps } from '../deps.js';
import { ApiError } from '../errors.js';

export function registerModels(app: FastifyInstance, { engine, startedAt }: ServiceDeps): void {
  app.get('/v1/models', { config: { scope: 'chat' as const } }, async () => {
    const r = await engine.readiness();
    if (!r.ready) throw new ApiError('model_not_ready', `The model is not ready: ${r.reason ?? 'unknown'}.`);
    return { object: 'list', data: [{ id: engine.modelId, object: 'model', created: Math.floor(startedAt / 1000), owned_by: 'smartbot' }] };
  });
}
