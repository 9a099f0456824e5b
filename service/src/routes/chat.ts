// POST /api/v1/chat (the deployment guide's endpoint) and POST /v1/chat/completions
// (OpenAI-compatible): one handler. `stream: true` answers with SSE chunks ending in
// `data: [DONE]`. Identical deterministic requests (temperature 0) are served from the cache.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { cacheKey } from '../cache.js';
import type { ServiceDeps } from '../deps.js';
import type { ChatResult } from '../engine/types.js';
import { ApiError } from '../errors.js';
import { chatCompletionRequestSchema, completion, newAnswerId, SSE_HEADERS, SseWriter, type ChatCompletionRequest } from '../openai-wire.js';

export const chatRoutes: FastifyPluginAsync<ServiceDeps> = async (app, deps) => {
  const { engine, config, metrics, cache } = deps;

  const handler = async (request: FastifyRequest<{ Body: ChatCompletionRequest }>, reply: FastifyReply) => {
    const body = request.body;
    if (body.model !== undefined && body.model !== engine.modelId) throw new ApiError('model_not_found', { asked: body.model, served: engine.modelId });
    const limit = config.inference.maxTokens;
    if (body.max_tokens !== undefined && body.max_tokens > limit) throw new ApiError('max_tokens_over_limit', { asked: body.max_tokens, limit });
    const messages = body.messages.map(({ role, content }) => ({ role, content }));
    if (messages.at(-1)!.role !== 'user') throw new ApiError('last_message_not_user');
    const temperature = body.temperature ?? config.inference.defaultTemperature;
    const maxTokens = body.max_tokens ?? limit;
    const answer = newAnswerId(engine.modelId);

    // Stop generating when the client goes away.
    const abort = new AbortController();
    reply.raw.on('close', () => reply.raw.writableFinished || abort.abort());

    const deterministic = temperature === 0 && cache !== undefined;
    const key = deterministic ? cacheKey(engine.modelId, messages, maxTokens) : '';
    let cached: ChatResult | undefined;
    if (deterministic) {
      cached = await cache.get(key);
      metrics.cacheLookups.inc({ result: cached ? 'hit' : 'miss' });
    }
    reply.header('x-smartbot-cache', !deterministic ? 'bypass' : cached ? 'hit' : 'miss');

    // The stream starts with the first delta: until then a failure can still be a plain error.
    let sse: SseWriter | undefined;
    const startStream = () => {
      if (sse) return sse;
      sse = new SseWriter(answer);
      reply.headers(SSE_HEADERS).send(sse.stream);
      return sse;
    };
    const onDelta = body.stream ? (text: string) => text && startStream().delta(text) : undefined;

    const started = performance.now();
    let result: ChatResult;
    try {
      if (cached) {
        result = cached;
        onDelta?.(cached.content);
      } else {
        result = await engine.chat({ messages, temperature, maxTokens, signal: abort.signal }, onDelta);
        const seconds = (performance.now() - started) / 1000;
        metrics.tokensGenerated.inc({ source: engine.source }, result.usage.completion_tokens);
        if (seconds > 0 && result.usage.completion_tokens > 0) metrics.tokensPerSecond.set(result.usage.completion_tokens / seconds);
        if (deterministic) await cache.set(key, result);
      }
    } catch (e) {
      if (!sse) throw e;
      // Mid-stream failure: the status line is gone, so the error travels as an event.
      const err = e instanceof ApiError ? e : new ApiError('internal_error');
      deps.log.error('stream failed', { reqId: request.id, code: err.code });
      sse.fail(err.body());
      return reply;
    }

    if (body.stream) {
      startStream().finish(result.finishReason);
      return reply;
    }
    return completion(answer, result.content, result.finishReason, result.usage);
  };

  const options = { schema: { body: chatCompletionRequestSchema }, config: { scope: 'chat' as const } };
  app.post('/api/v1/chat', options, handler);
  app.post('/v1/chat/completions', options, handler);
};
