import type { RetryPolicy } from '../config/policy.ts';

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): the wait is
 * uniform in [0, min(cap, base * factor^retry)], which spreads a fleet's retries instead of synchronising them.
 * `retry` is 0 for the first retry. A provider's own Retry-After, when longer, wins.
 */
export function backoffDelay(
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'factor' | 'maxDelayMs' | 'overloadBaseDelayMs'>,
  retry: number,
  options: { overload?: boolean; retryAfterMs?: number; random?: () => number } = {},
): number {
  const base = options.overload ? Math.max(policy.overloadBaseDelayMs, policy.baseDelayMs) : policy.baseDelayMs;
  const ceiling = Math.min(policy.maxDelayMs, base * policy.factor ** retry);
  const jittered = Math.floor((options.random ?? Math.random)() * ceiling);
  return Math.max(jittered, options.retryAfterMs ?? 0);
}
