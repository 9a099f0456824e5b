// When a model hands a request to its next fallback: only when it could not start an answer,
// and only for failures another model can do something about. Each reason is a label value of
// smartbot_fallbacks_total{from,to,reason} and is named in the access log.
import { ApiError, type ApiErrorId } from './errors.js';
import type { RoutedModel } from './model-router.js';

export type FallbackReason = 'not_ready' | 'queue_full' | 'upstream_error' | 'unreachable' | 'timeout' | 'context_length';

/** The failures that let the next model answer, by the error that reported them. */
const REASONS: Partial<Record<ApiErrorId, FallbackReason>> = {
  model_not_ready: 'not_ready',
  queue_full: 'queue_full',
  // 5xx and 429 after the engine's own retries
  upstream_failed: 'upstream_error',
  upstream_unavailable: 'unreachable',
  upstream_timeout: 'timeout',
};

/**
 * Why `from`'s failure hands the request to `to`, or undefined when it does not: the request
 * itself is at fault (a 400 the next model would give too), the client left, or — for a prompt
 * over the context — the next model's context is no larger.
 */
export function fallbackReason(e: unknown, from: RoutedModel, to: RoutedModel): FallbackReason | undefined {
  if (!(e instanceof ApiError)) return undefined;
  if (e.code === 'context_length_exceeded') return to.contextTokens > from.contextTokens ? 'context_length' : undefined;
  return REASONS[e.id];
}
