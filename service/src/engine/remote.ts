// Any OpenAI-compatible upstream: a remote model API, or the runtime container serving a
// local model beside the service. The client's request goes upstream as it came (stop,
// sampling, response_format, tools, …), with the upstream's model name, the server's max_tokens
// limit when the client named none, and usage asked for in streams (our metrics count it).
// The credential comes from a Secret (env var or mounted file)
// and is sent as `Authorization: Bearer` (bearer, jwt) or `api-key` (api-key). Each attempt has
// the configured timeout; 429 and 5xx (and connection failures) are retried with exponential
// backoff, other 4xx never. Failures map to 502 (bad answer), 503 (unreachable) or 504 (timeout).
import type { RemoteModel } from '../../../contract/environment.js';
import { readSecret, type ServiceConfig } from '../config.js';
import { ApiError, RELAYED_CODES, type RelayedCode } from '../errors.js';
import { readChunk, readCompletion, SseParser, StreamErrorEvent, ToolCallAssembler, WireFormatError, type ChatCompletionRequest } from '../openai-wire.js';
import type { Logger } from '../telemetry/logger.js';
import type { ChatEngine, ChatRequest, ChatResult, Readiness } from './types.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000 };

const READY_CACHE_MS = 2000;
/** fetch() wraps the socket error: "fetch failed" → "connect ECONNREFUSED 127.0.0.1:9". */
const causeOf = (e: unknown) => ((e as { cause?: Error }).cause?.message ?? (e as Error).message);
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('aborted'))), { once: true });
  });

/** Reads what is left of a body (its end after `[DONE]`), so that its connection is reused; a failure there changes nothing. */
async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done);
  } catch {
    // the answer is complete; the connection is simply not reused
  }
}

/** An upstream's 400 as the client's 400: its message, param and (when it is one of ours) code. */
function relayedRefusal(text: string): ApiError {
  let error: { message?: unknown; code?: unknown; param?: unknown } | undefined;
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error;
  } catch {
    // not OpenAI's error shape: say what came back
  }
  const code = RELAYED_CODES.includes(error?.code as RelayedCode) ? (error!.code as RelayedCode) : 'invalid_request';
  const message = typeof error?.message === 'string' ? error.message : `The upstream model API refused the request: ${text.slice(0, 200)}`;
  return new ApiError('upstream_bad_request', { code, message, param: typeof error?.param === 'string' ? error.param : null });
}

class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    /** No answer at all (connection refused, DNS): the upstream is down, not misbehaving. */
    readonly unreachable = false,
  ) {
    super(message);
  }
}

/** Where an HTTP engine sends requests and how it authenticates. */
export interface UpstreamTarget {
  /** Base URL ending in /v1. */
  endpoint: string;
  /** The model name sent upstream. */
  model: string;
  timeoutMs: number;
  headers: () => Record<string, string>;
  /** GET this for readiness (2xx = ready). */
  readinessUrl: string;
  /** Requests it decodes at once (inference.parallelSequences; the runtime's llama-server slots): more in flight wait. */
  sequences: number;
}

/** A remote model: its endpoint, with the credential read from its Secret per request. */
export function remoteTarget(config: Pick<ServiceConfig, 'secretsDir' | 'inference'>, model: RemoteModel): UpstreamTarget {
  const endpoint = model.endpoint.replace(/\/+$/, '');
  return {
    endpoint,
    model: model.model,
    timeoutMs: model.timeoutMs,
    headers: () => {
      const secret = readSecret(config, model.auth.secretRef);
      return model.auth.type === 'api-key' ? { 'api-key': secret } : { authorization: `Bearer ${secret}` };
    },
    readinessUrl: `${endpoint}/models`,
    sequences: config.inference.parallelSequences,
  };
}

/** Generation can take long on CPUs: the runtime beside the service gets minutes, not seconds. */
export const RUNTIME_TIMEOUT_MS = 300_000;

/**
 * A local model served by the runtime container beside the service (same pod): no credential.
 * The runtime serves all the local models and routes by `model`; with one, its /readyz is that
 * model's readiness, with several each model's is GET /v1/models/<id> (503 until it is loaded).
 */
export function runtimeTarget(config: ServiceConfig, modelId: string, several: boolean): UpstreamTarget {
  const endpoint = config.runtime!.url.replace(/\/+$/, '');
  const readinessUrl = several ? `${endpoint}/models/${encodeURIComponent(modelId)}` : `${endpoint.replace(/\/v1$/, '')}/readyz`;
  return { endpoint, model: modelId, timeoutMs: RUNTIME_TIMEOUT_MS, headers: () => ({}), readinessUrl, sequences: config.inference.parallelSequences };
}

export class RemoteEngine implements ChatEngine {
  private lastReady: { at: number; state: Readiness } | undefined;
  /** Requests sent upstream and not yet answered: the upstream decodes `sequences` of them, the rest wait in its queue. */
  private inFlight = 0;

  constructor(
    private readonly target: UpstreamTarget,
    readonly modelId: string,
    private readonly log: Logger,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    readonly source: 'local' | 'remote' = 'remote',
  ) {}

  queueDepth(): number {
    return Math.max(0, this.inFlight - this.target.sequences);
  }

  busySequences(): number {
    return Math.min(this.inFlight, this.target.sequences);
  }

  /** The upstream checks the prompt against its own context. */
  async prepare(): Promise<void> {}

  /** The upstream has its own queue: a full one answers 429, which is retried. */
  checkCapacity(): void {}

  async readiness(): Promise<Readiness> {
    if (this.lastReady && Date.now() - this.lastReady.at < READY_CACHE_MS) return this.lastReady.state;
    let state: Readiness;
    try {
      const r = await fetch(this.target.readinessUrl, { headers: this.target.headers(), signal: AbortSignal.timeout(Math.min(this.target.timeoutMs, 3000)) });
      await r.body?.cancel();
      state = r.ok ? { ready: true } : { ready: false, reason: `upstream answered ${r.status}` };
    } catch (e) {
      state = { ready: false, reason: `upstream unreachable: ${causeOf(e)}` };
    }
    this.lastReady = { at: Date.now(), state };
    return state;
  }

  /** One POST with retries; returns the successful Response. */
  private async post(req: ChatRequest, stream: boolean): Promise<Response> {
    const { stream_options, ...asSent } = req.wire;
    const request: ChatCompletionRequest = {
      ...asSent,
      // The client's max_tokens (or max_completion_tokens) is within the limit; without one, the limit.
      ...(req.maxTokensAsked ? {} : { max_tokens: req.maxTokens }),
      model: this.target.model,
      temperature: req.temperature,
      stream,
      ...(stream ? { stream_options: { ...stream_options, include_usage: true } } : {}),
    };
    const body = JSON.stringify(request);
    let last: Error = new Error('no attempt made');
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      const timeout = AbortSignal.timeout(this.target.timeoutMs);
      try {
        const r = await fetch(`${this.target.endpoint}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...this.target.headers() },
          body,
          signal: AbortSignal.any([timeout, req.signal]),
        });
        if (r.ok) return r;
        const text = await r.text();
        if (r.status === 429 || r.status >= 500) {
          const ra = Number(r.headers.get('retry-after'));
          throw new Retryable(`upstream answered ${r.status}: ${text.slice(0, 300)}`, Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined);
        }
        // A 400 refuses the client's request, which went upstream as sent: the client's error.
        if (r.status === 400) throw relayedRefusal(text);
        // Other 4xx: our credential or our config is wrong; retrying cannot help.
        this.log.warn('upstream rejected the request', { status: r.status, attempt });
        throw new ApiError('upstream_rejected', { status: r.status });
      } catch (e) {
        if (e instanceof ApiError) throw e;
        if (req.signal.aborted) throw e;
        if (timeout.aborted) last = new ApiError('upstream_timeout', { ms: this.target.timeoutMs });
        else last = e instanceof Retryable ? e : new Retryable(`upstream unreachable: ${causeOf(e)}`, undefined, true);
        if (attempt === this.retry.attempts) break;
        const delay = Math.min(this.retry.maxDelayMs, (e as Retryable).retryAfterMs ?? this.retry.baseDelayMs * 2 ** (attempt - 1));
        this.log.warn('upstream attempt failed, retrying', { attempt, delayMs: delay, error: (last as Error).message.slice(0, 120) });
        await sleep(delay, req.signal);
      }
    }
    // Whatever readiness said before, it is stale now.
    this.lastReady = undefined;
    if (last instanceof ApiError) throw last;
    const failure = { attempts: this.retry.attempts, last: last.message };
    throw new ApiError(last instanceof Retryable && last.unreachable ? 'upstream_unavailable' : 'upstream_failed', failure);
  }

  async chat(req: ChatRequest, onDelta?: (text: string) => void, onStart?: () => void): Promise<ChatResult> {
    this.inFlight++;
    try {
      return await this.answer(req, onDelta, onStart);
    } finally {
      this.inFlight--;
    }
  }

  private async answer(req: ChatRequest, onDelta?: (text: string) => void, onStart?: () => void): Promise<ChatResult> {
    const r = await this.post(req, onDelta !== undefined);
    // The upstream accepted the request: the answer is this model's from here.
    onStart?.();
    try {
      if (!onDelta) {
        const { usage, ...answer } = readCompletion(await r.json().catch(() => null));
        return { ...answer, usage: usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } };
      }
      // Streaming: pass each upstream delta straight through as it arrives; tool calls arrive
      // in pieces and are sent on whole.
      let content = '';
      const calls = new ToolCallAssembler();
      let finishReason: ChatResult['finishReason'] = 'stop';
      let usage: ChatResult['usage'] | undefined;
      let chunks = 0;
      // The chunks of one read are handled in one go: one await per read, not per chunk.
      const parser = new SseParser();
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      try {
        while (!parser.done) {
          const read = await reader.read();
          if (read.done) break;
          for (const data of parser.push(read.value)) {
            const c = readChunk(data);
            if (c.delta) (content += c.delta), chunks++, onDelta(c.delta);
            if (c.toolCalls) calls.add(c.toolCalls);
            if (c.finishReason) finishReason = c.finishReason;
            if (c.usage) usage = c.usage;
          }
        }
      } catch (e) {
        void reader.cancel().catch(() => {});
        throw e;
      }
      // After `[DONE]` the body's end is read in the background, not cancelled: fetch drops a
      // connection whose body was cancelled, and the next request would open a new one.
      if (parser.done) void readToEnd(reader);
      const toolCalls = calls.result;
      return { content: toolCalls && !content ? null : content, ...(toolCalls ? { toolCalls } : {}), finishReason, usage: usage ?? { prompt_tokens: 0, completion_tokens: chunks, total_tokens: chunks } };
    } catch (e) {
      if (e instanceof WireFormatError) throw new ApiError('upstream_malformed', { what: e.what });
      if (e instanceof StreamErrorEvent) throw new ApiError('upstream_stream_error', { message: e.message });
      // The connection dropped mid-answer ("terminated: other side closed"), unless our client left.
      if (!req.signal.aborted && !(e instanceof ApiError)) throw new ApiError('upstream_stream_error', { message: causeOf(e) });
      throw e;
    }
  }

  async close(): Promise<void> {}
}
