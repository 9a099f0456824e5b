// POST /api/v1/chat (the deployment guide's endpoint) and POST /v1/chat/completions
// (OpenAI-compatible): one handler. `stream: true` answers with SSE chunks ending in
// `data: [DONE]`. Identical deterministic requests (temperature 0) are served from the cache.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cacheKey } from '../cache.js';
import { ApiError } from '../errors.js';
import type { ChatMessage, ChatResult } from '../engine/types.js';
import type { ServiceDeps } from '../deps.js';

interface ChatBody {
  messages: ChatMessage[];
  model?: string;
  temperature?: number;
  max_tokens?: number;
  stream?: boolean;
}

const bodySchema = {
  type: 'object',
  required: ['messages'],
  properties: {
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: { role: { enum: ['system', 'user', 'assistant'] }, content: { type: 'string' }, name: { type: 'string' } },
      },
    },
    model: { type: 'string' },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    max_tokens: { type: 'integer', minimum: 1 },
    stream: { type: 'boolean' },
  },
} as const;

const completionId = () => `chatcmpl-${randomBytes(12).toString('base64url')}`;

export function registerChat(app: FastifyInstance, deps: ServiceDeps): void {
  const { engine, config, metrics, cache } = deps;

  const handler = async (request: FastifyRequest<{ Body: ChatBody }>, reply: FastifyReply) => {
    const body = request.body;
    if (body.model !== undefined && body.model !== engine.modelId) throw new ApiError('model_not_found', `The model "${body.model}" does not exist on this server; it serves "${engine.modelId}".`, 'model');
    const limit = config.inference.maxTokens;
    if (body.max_tokens !== undefined && body.max_tokens > limit) throw new ApiError('invalid_request', `max_tokens is ${body.max_tokens}, above this server's limit of ${limit}.`, 'max_tokens');
    const messages = body.messages.map(({ role, content }) => ({ role, content }));
    if (messages.at(-1)!.role !== 'user') throw new ApiError('invalid_request', 'The last message must have role "user".', 'messages');
    const temperature = body.temperature ?? config.inference.defaultTemperature;
    const maxTokens = body.max_tokens ?? limit;

    const id = completionId();
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: engine.modelId, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

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

    const out = new PassThrough();
    let streaming = false;
    const startStream = () => {
      if (streaming) return;
      streaming = true;
      reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').header('x-accel-buffering', 'no');
      reply.send(out);
      out.write(chunk({ role: 'assistant', content: '' }, null));
    };
    const onDelta = body.stream ? (text: string) => text && (startStream(), out.write(chunk({ content: text }, null))) : undefined;

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
      if (!streaming) throw e;
      // Mid-stream failure: the status line is gone, so the error travels as an event.
      const err = e instanceof ApiError ? e : new ApiError('internal_error');
      deps.log.error('stream failed', { reqId: request.id, code: err.code });
      out.end(`data: ${JSON.stringify(err.body())}\n\ndata: [DONE]\n\n`);
      return reply;
    }

    if (body.stream) {
      startStream();
      out.end(`${chunk({}, result.finishReason)}data: [DONE]\n\n`);
      return reply;
    }
    return {
      id,
      object: 'chat.completion',
      created,
      model: engine.modelId,
      choices: [{ index: 0, message: { role: 'assistant', content: result.content }, finish_reason: result.finishReason }],
      usage: result.usage,
    };
  };

  const options = { schema: { body: bodySchema }, config: { scope: 'chat' as const } };
  app.post('/api/v1/chat', options, handler);
  app.post('/v1/chat/completions', options, handler);
}
