// GET /v1/models: the one model this server serves (OpenAI list shape).
import type { FastifyInstance } from 'fastify';
import type { ServiceDeps } from '../app.js';

export function registerModels(app: FastifyInstance, { engine, startedAt }: ServiceDeps): void {
  app.get('/v1/models', { config: { scope: 'chat' as const } }, async () => ({
    object: 'list',
    data: [{ id: engine.modelId, object: 'model', created: Math.floor(startedAt / 1000), owned_by: 'smartbot' }],
  }));
}
