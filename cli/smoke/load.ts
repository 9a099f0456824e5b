// The stress part's load generator: `concurrency` loops over keep-alive connections, each
// sending the streaming chat request again as soon as the previous answer ends, until the
// duration or the request budget is spent. It reads every stream: the first token, the tokens,
// the closing [DONE] or an error event.
// Hand-written on node:http (Node's own llhttp parser) rather than a load-testing library:
// it runs from the service image, which ships production dependencies only, and autocannon
// and its kind count responses but do not read streams. bench/smoke-load.ts measures its
// overhead (≥ 10k requests/s from one core against bare fastify).
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { NoAnswer, networkReason } from './net.js';
import type { Quantiles, StressResult } from './outcome.js';

export interface LoadOptions {
  /** The full URL of the endpoint (POSTed). */
  url: URL;
  headers: Record<string, string>;
  body: string;
  durationSeconds: number;
  concurrency: number;
  maxRequests: number;
  /** Per request, whole (a total deadline, not an idle timeout): no complete answer within this is an error. */
  timeoutSeconds: number;
  /** Called every progressSeconds (default 1), and once at the end. */
  onProgress?: (p: Progress) => void;
  progressSeconds?: number;
}

export interface Progress {
  elapsedSeconds: number;
  requests: number;
  errors: number;
  /** Requests sent and not yet answered. */
  inFlight: number;
  /** p99 latency (seconds) of the most recent answers (RECENT of them). */
  p99: number | undefined;
}

/** "Current" p99: over this many most recent answers, so the figure moves with the run. */
const RECENT = 1000;

export type LoadResult = Omit<StressResult, 'maxTokens'>;

/** Nearest-rank quantile of an ascending array. */
export const quantile = (sorted: ArrayLike<number>, q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;

function quantiles(values: Float64Array): Quantiles | undefined {
  if (values.length === 0) return undefined;
  const sorted = values.slice().sort();
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

/** How one request ended: an answer (any status), or no answer (`status` 0). */
interface Ended {
  status: number;
  /** Error kind when it failed ("503 model_not_ready", "connection reset", "stream ended without [DONE]"). */
  error?: string;
  tokens: number;
  /** performance.now() of the first token, 0 when none. */
  firstTokenAt: number;
}

const CONTENT = '"content":"';
const QUOTE = 34;

/** One event is a chunk of a few hundred bytes: a stream that sends this much without a blank line is not an event stream. */
export const MAX_EVENT_BYTES = 64 * 1024;
/** A streamed answer of max_tokens ≤ a few hundred is tens of KB: past this it is cut, as an error. */
export const MAX_STREAM_BYTES = 2 ** 20;

/** Reads an SSE chat stream chunk by chunk, counting content deltas; no JSON parse per token. Holds at most one event. */
export class StreamReader {
  tokens = 0;
  firstTokenAt = 0;
  done = false;
  error: string | undefined;
  /** Set when the stream must be dropped (an event or the stream too long). */
  overflow: string | undefined;
  private pending = '';
  private received = 0;

  push(chunk: string): void {
    this.received += chunk.length;
    if (this.received > MAX_STREAM_BYTES) return void (this.overflow ??= `stream over ${MAX_STREAM_BYTES / 2 ** 20} MiB`);
    this.pending += chunk;
    let end: number;
    while ((end = this.pending.indexOf('\n\n')) !== -1) {
      this.event(this.pending.slice(0, end));
      this.pending = this.pending.slice(end + 2);
    }
    if (this.pending.length > MAX_EVENT_BYTES) this.overflow ??= `stream event over ${MAX_EVENT_BYTES / 1024} KiB without a blank line`;
  }

  private event(event: string): void {
    if (event.startsWith('data: [DONE]')) this.done = true;
    else if (event.startsWith('data: {"error"')) this.error ??= `error event ${errorCode(event.slice(6)) ?? ''}`.trim();
    else {
      const at = event.indexOf(CONTENT);
      // The first chunk carries the role with content "": not a token.
      if (at !== -1 && event.charCodeAt(at + CONTENT.length) !== QUOTE) {
        this.tokens++;
        if (this.firstTokenAt === 0) this.firstTokenAt = performance.now();
      }
    }
  }
}

/** The OpenAI-shaped error code of a body, if it has one. */
export function errorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

const ERROR_BODY_LIMIT = 2048;

/** What every request of a run shares, built once: the loop allocates as little as it can. */
interface Prepared {
  client: typeof http | typeof https;
  options: http.RequestOptions;
  body: string;
  timeoutSeconds: number;
}

function send({ client, options, body, timeoutSeconds }: Prepared): Promise<Ended> {
  return new Promise((resolve) => {
    let settled = false;
    const end = (e: Ended) => {
      if (!settled) (settled = true), clearTimeout(deadline), resolve(e);
    };
    let answered = 0;
    const req = client.request(options, (res) => {
      const status = res.statusCode ?? 0;
      answered = status;
      res.setEncoding('utf8');
      const cut = (error: string, tokens = 0, firstTokenAt = 0) => (end({ status, error, tokens, firstTokenAt }), res.destroy());
      if (status === 200 && String(res.headers['content-type']).startsWith('text/event-stream')) {
        const reader = new StreamReader();
        res.on('data', (c: string) => {
          reader.push(c);
          if (reader.overflow) cut(reader.overflow, reader.tokens, reader.firstTokenAt);
        });
        res.on('end', () => {
          const error = reader.error ?? (reader.done ? undefined : 'stream ended without [DONE]');
          end({ status, ...(error ? { error } : {}), tokens: reader.tokens, firstTokenAt: reader.firstTokenAt });
        });
      } else {
        let body = '';
        res.on('data', (c: string) => {
          body += c;
          // Enough to find the error code; the rest is not read.
          if (body.length >= ERROR_BODY_LIMIT) cut(`${status} ${errorCode(body) ?? ''}`.trim());
        });
        res.on('end', () => {
          const error = status === 200 ? '200 without an event stream' : `${status} ${errorCode(body) ?? ''}`.trim();
          end({ status, error, tokens: 0, firstTokenAt: 0 });
        });
      }
      res.on('error', (e) => end({ status, error: networkReason(e), tokens: 0, firstTokenAt: 0 }));
    });
    // The whole request, not the time between two bytes: a server that trickles is cut all the same.
    const deadline = setTimeout(() => {
      end({ status: answered, error: networkReason(new NoAnswer(timeoutSeconds)), tokens: 0, firstTokenAt: 0 });
      req.destroy();
    }, timeoutSeconds * 1000);
    req.on('error', (e) => end({ status: 0, error: networkReason(e), tokens: 0, firstTokenAt: 0 }));
    req.end(body);
  });
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const client = opts.url.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const { hostname, port, pathname, search } = opts.url;
  const prepared: Prepared = {
    client,
    // URL hostnames keep IPv6 brackets; the request option wants the bare address.
    options: { protocol: opts.url.protocol, hostname: hostname.replace(/^\[(.*)\]$/, '$1'), port, path: pathname + search, method: 'POST', agent, headers: opts.headers },
    body: opts.body,
    timeoutSeconds: opts.timeoutSeconds,
  };
  // Room for every answer up front: no allocation in the loop (8 bytes × maxRequests each).
  const latencies = new Float64Array(opts.maxRequests);
  const firstTokens = new Float64Array(opts.maxRequests);
  let answered = 0;
  let streamed = 0;
  let started = 0;
  let completed = 0;
  let errors = 0;
  let rateLimited = 0;
  let tokens = 0;
  const kinds = new Map<string, number>();

  const t0 = performance.now();
  const deadline = t0 + opts.durationSeconds * 1000;
  const worker = async () => {
    while (started < opts.maxRequests && performance.now() < deadline) {
      started++;
      const sent = performance.now();
      const r = await send(prepared);
      const now = performance.now();
      completed++;
      if (r.status !== 0) latencies[answered++] = (now - sent) / 1000;
      if (r.firstTokenAt) firstTokens[streamed++] = (r.firstTokenAt - sent) / 1000;
      tokens += r.tokens;
      if (r.status === 429) rateLimited++;
      else if (r.error) errors++, kinds.set(r.error, (kinds.get(r.error) ?? 0) + 1);
    }
  };

  const progress = () => {
    const recent = latencies.slice(Math.max(0, answered - RECENT), answered).sort();
    opts.onProgress?.({
      elapsedSeconds: (performance.now() - t0) / 1000,
      requests: completed,
      errors,
      inFlight: started - completed,
      p99: recent.length ? quantile(recent, 0.99) : undefined,
    });
  };
  const timer = opts.onProgress ? setInterval(progress, (opts.progressSeconds ?? 1) * 1000) : undefined;
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  } finally {
    clearInterval(timer);
    agent.destroy();
  }
  if (opts.onProgress) progress();

  const seconds = (performance.now() - t0) / 1000;
  return {
    seconds,
    concurrency: opts.concurrency,
    stoppedBy: started >= opts.maxRequests ? 'max-requests' : 'duration',
    requests: completed,
    requestsPerSecond: completed / seconds,
    latency: quantiles(latencies.subarray(0, answered)),
    firstToken: quantiles(firstTokens.subarray(0, streamed)),
    tokensPerSecond: tokens / seconds,
    errors,
    errorRatePercent: completed ? (errors / completed) * 100 : 0,
    rateLimited,
    rateLimitedPercent: completed ? (rateLimited / completed) * 100 : 0,
    errorKinds: [...kinds]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([kind, n]) => `${kind} ×${n}`),
  };
}
