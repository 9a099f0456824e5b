// The GitHub REST client for pr-comment and keys open-pr: @octokit/rest with its retry plugin (5xx and network
// failures, with backoff) and throttling plugin (spaces writes as GitHub asks, waits out a
// rate limit only when it resets within a minute). Failures become one line each, never the
// token: describeGitHubError composes the text itself and never prints the error object.
// Every request is bounded: a total deadline per request (connecting, headers and the whole
// body), a byte cap per response, and a deadline for the whole run, after which every request
// fails at once — a GitHub that never answers cannot hold a job past its budget.
import { retry } from '@octokit/plugin-retry';
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { UserError } from '../contract/run-main.js';

const Client = Octokit.plugin(retry, throttling);
export type GitHub = InstanceType<typeof Client>;

export interface ClientOptions {
  token: string;
  /** Default https://api.github.com (GITHUB_API_URL in Actions, or a GitHub Enterprise URL). */
  baseUrl?: string;
  /** Retries after a 5xx or network failure (default 2, so 3 attempts). */
  retries?: number;
  /** Backoff unit in ms (default 1000: waits 1 s, then 4 s). Tests shorten it. */
  retryAfterBaseMs?: number;
  /** Throttling overrides (tests: write groups without GitHub's one-second spacing). */
  throttle?: Partial<ThrottlingOptions>;
  /** Which command is calling (default smartbot). */
  userAgent?: string;
  /** The bounds of every request and of the run (defaults: DEFAULT_LIMITS). */
  limits?: Partial<RequestLimits>;
}

export interface RequestLimits {
  /** One request, from sending it to the last byte of its answer. */
  requestMs: number;
  /** Every request of this client together, from its creation. */
  runMs: number;
  /** The largest answer read. */
  responseBytes: number;
}

/** A job's 15 minutes hold a run of 5, with 30 s per request; a page of 30 comments of 64 K characters is under 16 MiB. */
export const DEFAULT_LIMITS: RequestLimits = { requestMs: 30_000, runMs: 300_000, responseBytes: 16 * 2 ** 20 };

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * fetch with the limits: a request that has not answered in full within requestMs, or once the
 * run's deadline has passed, or whose answer is over responseBytes, fails with a one-line reason.
 */
export function boundedFetch(limits: RequestLimits, run: AbortSignal, base: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    if (run.aborted) throw new Error(`the run's ${seconds(limits.runMs)} deadline passed`);
    const own = AbortSignal.timeout(limits.requestMs);
    const signal = AbortSignal.any([own, run, ...(init?.signal ? [init.signal] : [])]);
    const why = () => (run.aborted ? `the run's ${seconds(limits.runMs)} deadline passed` : `no complete answer within ${seconds(limits.requestMs)}, the per-request deadline`);
    try {
      const res = await base(input, { ...init, signal });
      const declared = Number(res.headers.get('content-length'));
      if (declared > limits.responseBytes) {
        await res.body?.cancel();
        throw new Error(`an answer of ${declared} bytes, over the ${limits.responseBytes}-byte cap`);
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          if (size > limits.responseBytes) {
            await res.body.cancel().catch(() => {});
            throw new Error(`an answer over the ${limits.responseBytes}-byte cap`);
          }
          chunks.push(chunk);
        }
      }
      const body = res.status === 204 || res.status === 205 || res.status === 304 ? null : Buffer.concat(chunks);
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } catch (e) {
      if (signal.aborted) throw new Error(why());
      throw e;
    }
  };
}

/** What the caller's user should do after a 403 or a 404: each command needs its own permissions and names its own inputs. */
export interface FailureHints {
  /** After "GitHub refused … (403…); ": the permissions the token needs. */
  forbidden: string;
  /** After "GitHub found nothing … (404…); ": which options to check. */
  notFound: string;
}

const quiet = () => {};

export function githubClient(o: ClientOptions): GitHub {
  const baseUrl = (o.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const run = AbortSignal.timeout(limits.runMs);
  const ends = Date.now() + limits.runMs;
  /** Retry a rate-limited request once, and only when the limit resets within a minute and before the run's deadline. */
  const waitBriefly = (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount < 1 && retryAfter <= 60 && Date.now() + retryAfter * 1000 < ends;
  return new Client({
    auth: o.token,
    baseUrl,
    userAgent: o.userAgent ?? 'smartbot',
    request: { fetch: boundedFetch(limits, run) },
    // Octokit logs failed requests itself; each failure is reported once, by the caller.
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    retry: { retries: o.retries ?? 2, retryAfterBaseValue: o.retryAfterBaseMs ?? 1000 },
    throttle: {
      onRateLimit: waitBriefly,
      onSecondaryRateLimit: waitBriefly,
      ...(o.retryAfterBaseMs !== undefined ? { retryAfterBaseValue: o.retryAfterBaseMs } : {}),
      ...o.throttle,
    } as ThrottlingOptions,
  });
}

interface HttpFailure {
  status?: number;
  message?: string;
  response?: { status?: number; headers?: Record<string, string | undefined>; data?: unknown };
}

/** One line for a failed call: what was being done, what GitHub said, what to do. Exit code 2. */
export function describeGitHubError(e: unknown, doing: string, baseUrl: string, hints: FailureHints): UserError {
  const err = (e ?? {}) as HttpFailure;
  const status = err.response?.status;
  const headers = err.response?.headers ?? {};
  const said = (err.response?.data as { message?: unknown } | undefined)?.message;
  const detail = typeof said === 'string' && said ? `: ${said.split('\n')[0]}` : '';
  let text: string;
  if (status === undefined) {
    const cause = err.message?.split('\n')[0] ?? String(e);
    text = `cannot reach the GitHub API at ${baseUrl} while ${doing} (${cause}); check GITHUB_API_URL and the network`;
  } else if (status === 401) text = `GitHub rejected the token while ${doing} (401${detail}); set GITHUB_TOKEN to a valid token`;
  else if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    const at = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}` : '';
    text = `GitHub API rate limit exhausted while ${doing} (${status}); it resets${at || ' later'}: run again then`;
  } else if (status === 429 || /secondary rate limit/i.test(String(said ?? ''))) {
    text = `GitHub's secondary rate limit stopped ${doing} (${status}${headers['retry-after'] ? `, retry after ${headers['retry-after']} s` : ''}); run again later`;
  } else if (status === 403)
    text = `GitHub refused ${doing} (403${detail}); ${hints.forbidden}`;
  else if (status === 404) text = `GitHub found nothing while ${doing} (404${detail}); ${hints.notFound}`;
  else if (status >= 500) text = `GitHub failed while ${doing} (${status}${detail}), also on retrying; run again later`;
  else text = `GitHub answered ${status} while ${doing}${detail ? ` (${detail.slice(2)})` : ''}`;
  return new UserError(text, 2);
}

/** Runs one API step; a failure becomes describeGitHubError's line. */
export async function step<T>(doing: string, baseUrl: string, hints: FailureHints, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw describeGitHubError(e, doing, baseUrl, hints);
  }
}
