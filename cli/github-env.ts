// What every command that talks to GitHub reads the same way: --repo OWNER/NAME, the token from
// GITHUB_TOKEN (never printed) and the API from GITHUB_API_URL.
import { githubClient, type ClientOptions, type GitHub } from '../plan/github.js';
import { boundedFetch } from './http.js';
import { UsageError } from './io.js';

/** Tests pass shorter retry waits and un-spaced writes. */
export type GitHubClientOverrides = Omit<ClientOptions, 'token' | 'baseUrl' | 'userAgent'>;

export function parseRepo(value: string | undefined): { owner: string; repo: string } {
  const [owner, repo, ...more] = (value ?? '').split('/');
  if (!owner || !repo || more.length) throw new UsageError(`--repo must be OWNER/NAME${value === undefined ? '' : `, got "${value}"`}`);
  return { owner, repo };
}

/** Refuses before any request when GITHUB_TOKEN is missing. */
export function requireToken(): string {
  const token = process.env.GITHUB_TOKEN;
  if (!token) throw new UsageError('GITHUB_TOKEN is not set (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})');
  return token;
}

export function githubFromEnv(token: string, userAgent: string, overrides: GitHubClientOverrides = {}): { gh: GitHub; baseUrl: string } {
  const baseUrl = (process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  return { gh: githubClient({ token, baseUrl, userAgent, ...overrides }), baseUrl };
}

/** GitHub answers within this, whole, or the request fails (retries included, each is bounded). */
export const GITHUB_REQUEST_TIMEOUT_MS = 30_000;
/** The REST answers these commands read are small: a repository listing is not. */
export const GITHUB_ANSWER_MAX_BYTES = 8 * 2 ** 20;
/** One command's calls together, retries and rate-limit waits included. */
export const GITHUB_RUN_TIMEOUT_MS = 5 * 60_000;

/** Per-call options that bound a request (octokit's `request.fetch`), under the run's deadline. */
export const boundedRequest = (run: AbortSignal, timeoutMs = GITHUB_REQUEST_TIMEOUT_MS) => ({ request: { fetch: boundedFetch({ timeoutMs, maxBytes: GITHUB_ANSWER_MAX_BYTES, signal: run }) } });
