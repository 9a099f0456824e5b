// Any OpenAI-compatible upstream: a remote model API, or the runtime container serving a
// local model beside the service. The credential comes from a Secret (env var or mounted file)
// and is sent as `Authorization: Bearer` (bearer, jwt) or `api-key` (api-key). Each attempt has
// the configured timeout; 429 and 5xx (and connection failures) are retried with exponential
// backoff, other 4xx never. Failures map to 502 (bad answer), 503 (unreachable) or 504 (timeout).
import type { RemoteModel } from '../../../contract/environment.js';
import { readSecret, type ServiceConfig } from '../config.js';
import { ApiError } from '../errors.js';
import { readChunks, readCompletion, StreamErrorEvent, WireFormatError, type ChatCompletionRequest } from '../openai-wire.js';
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
}

/** A remote model: the config's endpoint, with the credential read from its Secret per request. */
export function remoteTarget(config: ServiceConfig): UpstreamTarget {
  const model = config.model as RemoteModel;
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
  };
}

/** Generation can take long on CPUs: the runtime beside the service gets minutes, not seconds. */
export const RUNTIME_TIMEOUT_MS = 300_000;

/** A local model served by the runtime container beside the service (same pod): no credential. */
export function runtimeTarget(config: ServiceConfig, modelId: string): UpstreamTarget {
  const endpoint = config.runtime!.url.replace(/\/+$/, '');
  return { endpoint, model: modelId, timeoutMs: RUNTIME_TIMEOUT_MS, headers: () => ({}), readinessUrl: `${endpoint.replace(/\/v1$/, '')}/readyz` };
}

export class RemoteEngine implements ChatEngine {
  private lastReady: { at: number; state: Readiness } | undefined;

  constructor(
    private readonly target: UpstreamTarget,
    readonly modelId: string,
    private readonly log: Logger,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    readonly source: 'local' | 'remote' = 'remote',
  ) {}

  queueDepth(): number {
    return 0;
  }

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
    const request: ChatCompletionRequest = { model: this.target.model, messages: req.messages, temperature: req.temperature, max_tokens: req.maxTokens, stream };
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
        const text = (await r.text()).slice(0, 300);
        if (r.status === 429 || r.status >= 500) {
          const ra = Number(r.headers.get('retry-after'));
          throw new Retryable(`upstream answered ${r.status}: ${text}`, Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined);
        }
        // Other 4xx: our request or our credential is wrong; retrying cannot help.
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

  async chat(req: ChatRequest, onDelta?: (text: string) => void): Promise<ChatResult> {
    const r = await this.post(req, onDelta !== undefined);
    try {
      if (!onDelta) {
        const { content, finishReason, usage } = readCompletion(await r.json().catch(() => null));
        return { content, finishReason, usage: usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } };
      }
      // Streaming: pass each upstream delta straight through as it arrives.
      let content = '';
      let finishReason: ChatResult['finishReason'] = 'stop';
      let usage: ChatResult['usage'] | undefined;
      let chunks = 0;
      for await (const c of readChunks(r.body as unknown as AsyncIterable<Uint8Array>)) {
        if (c.delta) (content += c.delta), chunks++, onDelta(c.delta);
        if (c.finishReason) finishReason = c.finishReason;
        if (c.usage) usage = c.usage;
      }
      return { content, finishReason, usage: usage ?? { prompt_tokens: 0, completion_tokens: chunks, total_tokens: chunks } };
    } catch (e) {
      if (e instanceof WireFormatError) throw new ApiError('upstream_malformed', { what: e.what });
      if (e instanceof StreamErrorEvent) throw new ApiError('upstream_stream_error', { message: e.message });
      throw e;
    }
  }

  async close(): Promise<void> {}
}
