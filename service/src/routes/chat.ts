// POST /api/v1/chat (the deployment guide's endpoint) and POST /v1/chat/completions
// (OpenAI-compatible): one handler. The request is read by chat-request.ts (honoured or refused
// by name) and routed by its `model` (the default model when it names none). Each model tried
// checks the request (context, schema) and its capacity before anything is sent; `stream: true`
// then answers with SSE as soon as the model starts (pings while queued), chunks, and
// `data: [DONE]`. Identical deterministic requests (temperature 0) are served from the cache,
// per model.
// Fallbacks: a model that cannot start an answer (fallback.ts: not ready, queue full, upstream
// 5xx, timeout or refused connection, a prompt over its context when the next one's is larger)
// hands the request to its next fallback; the answer says who answered (`model`,
// x-smartbot-model) and by which way (x-smartbot-fallback: from->to). Once a model has started
// — a stream's first byte is out — the answer is that model's, whatever happens next.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { cacheKey } from '../cache.js';
import { readChatRequest } from '../chat-request.js';
import type { ServiceDeps } from '../deps.js';
import type { ChatRequest, ChatResult } from '../engine/types.js';
import { ApiError } from '../errors.js';
import { fallbackReason } from '../fallback.js';
import type { CutReason } from '../lifecycle.js';
import type { RoutedModel } from '../model-router.js';
import { chatCompletionRequestSchema, completionJson, JSON_TYPE, newAnswerId, SSE_HEADERS, SseWriter, type AnswerId, type ChatCompletionRequest } from '../openai-wire.js';

export const chatRoutes: FastifyPluginAsync<ServiceDeps> = async (app, deps) => {
  const { models, config, metrics, cache, lifecycle, log } = deps;
  const limits = { ...config.http, modelIds: models.ids, maxTokens: config.inference.maxTokens, defaultTemperature: config.inference.defaultTemperature };
  // The two labelled series, found once (prom-client hashes a label object on every inc() given one).
  const lookups = { hit: metrics.cacheLookups.labels({ result: 'hit' }), miss: metrics.cacheLookups.labels({ result: 'miss' }) };

  const handler = async (request: FastifyRequest<{ Body: ChatCompletionRequest }>, reply: FastifyReply) => {
    // A model's work stops when the client goes away, or when a shutdown's grace period runs out
    // (the reason is kept here). The watch starts with the first request sent to a model: a
    // cache hit has no work to stop, and pays for none of it.
    let cut: CutReason | undefined;
    const cutReason = () => cut;
    let abort: AbortController | undefined;
    let stopCut: (() => void) | undefined;
    const signal = (): AbortSignal => {
      if (!abort) {
        const a = (abort = new AbortController());
        const stop = (why: CutReason) => {
          cut ??= why;
          a.abort(why);
        };
        reply.raw.on('close', () => reply.raw.writableFinished || stop('client-gone'));
        stopCut = lifecycle.onCut(stop);
      }
      return abort.signal;
    };
    try {
      const read = readChatRequest(request.body, limits);
      const chain = models.chain(models.resolve(request.body.model));
      const fallbacks: string[] = [];
      let answer: AnswerId | undefined;
      let sse: SseWriter | undefined;
      // Deltas go out as they come; an answer that came whole (cached, or not streamed by the
      // engine) is sent as one delta at the end.
      let streamed = false;
      const onDelta = request.body.stream ? (text: string) => text && ((streamed = true), sse!.delta(text)) : undefined;

      /** `model` answers: headers, and a stream's status line and role chunk, go out now. */
      const begin = (model: RoutedModel, cacheState: 'hit' | 'miss' | 'bypass') => {
        answer = newAnswerId(model.id);
        request.answeredBy = { model: model.id, fallbacks };
        reply.header('x-smartbot-cache', cacheState).header('x-smartbot-model', model.id);
        if (fallbacks.length) reply.header('x-smartbot-fallback', fallbacks.join(', '));
        if (request.body.stream) {
          sse = new SseWriter(answer, { includeUsage: request.body.stream_options?.include_usage === true, ...(deps.sseHeartbeatMs ? { heartbeatMs: deps.sseHeartbeatMs } : {}) });
          reply.headers(SSE_HEADERS).send(sse.stream);
        }
      };

      /** One model's try: its cached answer, or its engine's. Rejects before begin() when it cannot start. */
      const attempt = async (model: RoutedModel): Promise<ChatResult> => {
        const { engine } = model;
        const deterministic = read.temperature === 0 && cache !== undefined;
        const key = deterministic ? cacheKey(model.id, read) : '';
        if (deterministic) {
          const cached = await cache.get(key);
          (cached ? lookups.hit : lookups.miss).inc();
          // A cached answer's request passed the model's checks when it was stored.
          if (cached) return begin(model, 'hit'), cached;
        }
        // A model whose readiness is exact (a local one) is skipped at once when it is not ready.
        if (engine.source === 'local' && chain.length > 1) {
          const r = await engine.readiness();
          if (!r.ready) throw new ApiError('model_not_ready', { reason: r.reason ?? 'unknown' });
        }
        const req: ChatRequest = { ...read, signal: signal() };
        await engine.prepare(req);
        engine.checkCapacity();
        const started = performance.now();
        const result = await engine.chat(req, onDelta, () => begin(model, deterministic ? 'miss' : 'bypass'));
        const seconds = (performance.now() - started) / 1000;
        metrics.tokensGenerated.inc({ source: engine.source, model: model.id }, result.usage.completion_tokens);
        if (seconds > 0 && result.usage.completion_tokens > 0) metrics.tokensPerSecond.set(result.usage.completion_tokens / seconds);
        if (deterministic && cutReason() === undefined) await cache.set(key, result);
        return result;
      };

      let result: ChatResult | undefined;
      let failure: unknown;
      for (let i = 0; i < chain.length; i++) {
        const model = chain[i]!;
        try {
          result = await attempt(model);
          break;
        } catch (e) {
          failure = e;
          const next = chain[i + 1];
          const reason = answer || abort?.signal.aborted || !next ? undefined : fallbackReason(e, model, next);
          if (!reason) break;
          fallbacks.push(`${model.id}->${next!.id}`);
          metrics.fallbacks.inc({ from: model.id, to: next!.id, reason });
          log.warn('model fell back', { reqId: request.id, from: model.id, to: next!.id, reason, error: (e as Error).message.slice(0, 200) });
          failure = undefined;
        }
      }
      request.answeredBy ??= { model: chain[0]!.id, fallbacks };
      if (fallbacks.length && !answer) reply.header('x-smartbot-fallback', fallbacks.join(', '));

      const cut = cutReason();
      if (cut === 'client-gone') return reply; // nobody to answer; the access log writes the 499 line
      if (cut === 'shutdown') failure = new ApiError('shutting_down'); // even a partial answer: it was cut
      if (failure !== undefined || !result) {
        if (!sse) throw failure;
        // Mid-stream failure: the status line is gone, so the error travels as an event.
        const err = failure instanceof ApiError ? failure : new ApiError('internal_error');
        if (cut !== 'shutdown') log.error('stream failed', { reqId: request.id, model: request.answeredBy.model, code: err.code, ...(failure instanceof ApiError ? {} : { error: (failure as Error).message }) });
        sse.fail(err.body());
        return reply;
      }

      if (sse) {
        if (!streamed && result.content) sse.delta(result.content);
        if (result.toolCalls?.length) sse.toolCalls(result.toolCalls);
        sse.finish(result.finishReason, result.usage);
        return reply;
      }
      return reply.type(JSON_TYPE).send(completionJson(answer!, result));
    } finally {
      stopCut?.();
    }
  };

  const options = { schema: { body: chatCompletionRequestSchema }, config: { scope: 'chat' as const } };
  app.post('/api/v1/chat', options, handler);
  app.post('/v1/chat/completions', options, handler);
};
