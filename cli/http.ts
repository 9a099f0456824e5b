// The toolchain's HTTP clients (smoke, doctor, keys open-pr and checkpoint) are bounded by what
// they are willing to spend: a total deadline per request — not an idle timeout, which a server
// sending a byte a second resets forever —, a deadline for the whole run, and a byte cap per
// response, past which the answer is dropped rather than held. On fetch (undici), so it runs in
// the service image too (smoke's post-sync Job).

/** A deadline passed: of one request, or of the whole run. */
export class DeadlineExceeded extends Error {
  constructor(
    readonly seconds: number,
    readonly scope: 'request' | 'run',
  ) {
    super(scope === 'request' ? `no complete answer within ${formatSeconds(seconds)}` : `the run's ${formatSeconds(seconds)} deadline passed`);
  }
}

/** An answer longer than the cap: cut there. */
export class AnswerTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the answer is over ${formatBytes(limit)}: cut there`);
  }
}

const formatSeconds = (s: number) => `${+s.toFixed(3)} s`;
const formatBytes = (n: number) => (n >= 2 ** 20 ? `${+(n / 2 ** 20).toFixed(1)} MiB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KiB` : `${n} bytes`);

export interface Bounds {
  /** The whole request, headers and body, in ms. */
  timeoutMs: number;
  maxBytes: number;
  /** The run's deadline (runDeadline), if any. */
  signal?: AbortSignal;
}

/** A signal that aborts with DeadlineExceeded(run) after `ms`; `clear` when the run ends. */
export function runDeadline(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(ms / 1000, 'run')), ms);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

export interface BoundedAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
  /** performance.now() when the request was sent, and when the first body byte came (0: none). */
  sentAt: number;
  firstByteAt: number;
}

/** fetch, bounded: rejects with DeadlineExceeded or AnswerTooLarge (or the network's own error). */
export async function fetchBounded(url: string | URL, init: RequestInit, b: Bounds): Promise<BoundedAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(b.timeoutMs / 1000, 'request')), b.timeoutMs);
  const signals = [controller.signal, ...(b.signal ? [b.signal] : []), ...(init.signal ? [init.signal] : [])];
  const signal = signals.length === 1 ? controller.signal : AbortSignal.any(signals);
  const sentAt = performance.now();
  try {
    if (signal.aborted) throw signal.reason;
    const res = await fetch(url, { ...init, signal });
    const chunks: Buffer[] = [];
    let size = 0;
    let firstByteAt = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        firstByteAt ||= performance.now();
        size += value.byteLength;
        if (size > b.maxBytes) {
          await reader.cancel().catch(() => {});
          throw new AnswerTooLarge(b.maxBytes);
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    }
    return { status: res.status, headers: res.headers, body: Buffer.concat(chunks, size), sentAt, firstByteAt };
  } catch (e) {
    throw signal.aborted ? signal.reason : e;
  } finally {
    clearTimeout(timer);
  }
}

const NO_BODY = new Set([101, 204, 205, 304]);

/** A fetch with these bounds, for clients that take one (octokit's `request.fetch`). */
export const boundedFetch =
  (b: Bounds): typeof fetch =>
  async (input, init) => {
    const url = input instanceof Request ? input.url : input;
    const a = await fetchBounded(url, init ?? {}, b);
    return new Response(NO_BODY.has(a.status) ? null : new Uint8Array(a.body), { status: a.status, headers: a.headers });
  };

/** `work`, or the run deadline's error when it passes first (a retry wait or a rate-limit pause included). */
export function untilDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}
