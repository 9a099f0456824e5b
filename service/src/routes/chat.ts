// POST /api/v1/chat (the deployment guide's endpoint) and POST /v1/chat/completions
// (OpenAI-compatible): one handler. The request is read by chat-request.ts (honoured or refused
// by name) and checked by the engine (context, schema) before anything is sent; `stream: true`
// then answers with SSE at once (pings while queued), chunks, and `data: [DONE]`. Identical
// deterministic requests (temperature 0) are served from the cache.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { cacheKey } from '../cache.js';
import { readChatRequest } from '../chat-request.js';
import type { ServiceDeps } from '../deps.js';
import type { ChatResult } from '../engine/types.js';
import { ApiError } from '../errors.js';
import type { CutReason } from '../lifecycle.js';
import { chatCompletionRequestSchema, completion, newAnswerId, SSE_HEADERS, SseWriter, type ChatCompletionRequest } from '../openai-wire.js';

export const chatRoutes: FastifyPluginAsync<ServiceDeps> = async (app, deps) => {
  const { engine, config, metrics, cache, lifecycle, log } = deps;
  const limits = { ...config.http, modelId: engine.modelId, maxTokens: config.inference.maxTokens, defaultTemperature: config.inference.defaultTemperature };
  // The two labelled series, found once (prom-client hashes a label object on every inc() given one).
  const lookups = { hit: metrics.cacheLookups.labels({ result: 'hit' }), miss: metrics.cacheLookups.labels({ result: 'miss' }) };

  const handler = async (request: FastifyRequest<{ Body: ChatCompletionRequest }>, reply: FastifyReply) => {
    let cutWhy: CutReason | undefined;
    const cutReason = () => cutWhy;
    let stopCut: (() => void) | undefined;
    try {
      const read = readChatRequest(request.body, limits);
      const deterministic = read.temperature === 0 && cache !== undefined;
      const key = deterministic ? cacheKey(engine.modelId, read) : '';
      let cached: ChatResult | undefined;
      if (deterministic) {
        cached = await cache.get(key);
        (cached ? lookups.hit : lookups.miss).inc();
      }
      // Only a request the model will answer is prepared (its prompt templated and counted
      // against the context): a cached answer's request passed that check when it was stored.
      // Its work stops when the client goes away, or when a shutdown's grace period runs out
      // (the reason is kept here); a cache hit has no work to stop, and pays for none of it.
      let req: (typeof read & { signal: AbortSignal }) | undefined;
      if (!cached) {
        const abort = new AbortController();
        const stop = (why: CutReason) => {
          cutWhy ??= why;
          abort.abort(why);
        };
        reply.raw.on('close', () => reply.raw.writableFinished || stop('client-gone'));
        stopCut = lifecycle.onCut(stop);
        req = { ...read, signal: abort.signal };
      }
      if (req) await engine.prepare(req);
      const answer = newAnswerId(engine.modelId);
      reply.header('x-smartbot-cache', !deterministic ? 'bypass' : cached ? 'hit' : 'miss');

      // A stream answers at once: its status line and role chunk go out before the request
      // waits for a sequence, and pings keep it alive while it waits.
      if (!cached) engine.checkCapacity();
      const sse = request.body.stream ? new SseWriter(answer, { includeUsage: request.body.stream_options?.include_usage === true, ...(deps.sseHeartbeatMs ? { heartbeatMs: deps.sseHeartbeatMs } : {}) }) : undefined;
      if (sse) reply.headers(SSE_HEADERS).send(sse.stream);
      // Deltas go out as they come; an answer that came whole (cached, or not streamed by the
      // engine) is sent as one delta at the end.
      let streamed = false;
      const onDelta = sse ? (text: string) => text && ((streamed = true), sse.delta(text)) : undefined;

      const started = performance.now();
      let result: ChatResult | undefined = cached;
      let failure: unknown;
      try {
        if (!result) {
          result = await engine.chat(req!, onDelta);
          const seconds = (performance.now() - started) / 1000;
          metrics.tokensGenerated.inc({ source: engine.source }, result.usage.completion_tokens);
          if (seconds > 0 && result.usage.completion_tokens > 0) metrics.tokensPerSecond.set(result.usage.completion_tokens / seconds);
          if (deterministic && cutReason() === undefined) await cache.set(key, result);
        }
      } catch (e) {
        failure = e;
      }
      const cut = cutReason();
      if (cut === 'client-gone') return reply; // nobody to answer; the access log writes the 499 line
      if (cut === 'shutdown') failure = new ApiError('shutting_down'); // even a partial answer: it was cut
      if (failure !== undefined || !result) {
        if (!sse) throw failure;
        // Mid-stream failure: the status line is gone, so the error travels as an event.
        const err = failure instanceof ApiError ? failure : new ApiError('internal_error');
        if (cut !== 'shutdown') log.error('stream failed', { reqId: request.id, code: err.code, ...(failure instanceof ApiError ? {} : { error: (failure as Error).message }) });
        sse.fail(err.body());
        return reply;
      }

      if (sse) {
        if (!streamed && result.content) sse.delta(result.content);
        if (result.toolCalls?.length) sse.toolCalls(result.toolCalls);
        sse.finish(result.finishReason, result.usage);
        return reply;
      }
      return completion(answer, result, result.finishReason, result.usage);
    } finally {
      stopCut?.();
    }
  };

  const options = { schema: { body: chatCompletionRequestSchema }, config: { scope: 'chat' as const } };
  app.post('/api/v1/chat', options, handler);
  app.post('/v1/chat/completions', options, handler);
};
