/**
 * What OpenAI's rate-limit headers say about the key's budgets.
 *
 * OpenAI sends, on every response (https://platform.openai.com/docs/guides/rate-limits, "Rate limits in
 * headers"): `x-ratelimit-limit-requests: 60`, `x-ratelimit-limit-tokens: 150000`,
 * `x-ratelimit-remaining-requests: 59`, `x-ratelimit-remaining-tokens: 149984`,
 * `x-ratelimit-reset-requests: 1s`, `x-ratelimit-reset-tokens: 6m0s`. Resets are Go durations, not
 * seconds. OpenAI-compatible servers often send none of them; then there is no snapshot at all.
 */

import type { HeaderReader } from '../shared/http-transport.ts';
import { parseGoDuration } from '../shared/parse-retry-after.ts';
import type { RateLimitSnapshot } from '../types.ts';

/** The shared snapshot, budget sizes included. */
export type OpenAIRateLimit = RateLimitSnapshot;

export function parseOpenAIRateLimit(headers: HeaderReader): OpenAIRateLimit | undefined {
  const snapshot: OpenAIRateLimit = {};
  setIfDefined(snapshot, 'limitRequests', count(headers.get('x-ratelimit-limit-requests')));
  setIfDefined(snapshot, 'limitTokens', count(headers.get('x-ratelimit-limit-tokens')));
  setIfDefined(snapshot, 'remainingRequests', count(headers.get('x-ratelimit-remaining-requests')));
  setIfDefined(snapshot, 'remainingTokens', count(headers.get('x-ratelimit-remaining-tokens')));
  setIfDefined(snapshot, 'resetRequestsMs', duration(headers.get('x-ratelimit-reset-requests')));
  setIfDefined(snapshot, 'resetTokensMs', duration(headers.get('x-ratelimit-reset-tokens')));
  return Object.keys(snapshot).length > 0 ? snapshot : undefined;
}

/**
 * How long to wait after a 429 that came without `retry-after`: until the exhausted budget resets. When the
 * headers do not say which budget ran out, the longer reset is the one that surely lets the next request in.
 */
export function resetAfterRateLimit(snapshot: RateLimitSnapshot | undefined): number | undefined {
  if (!snapshot) return undefined;
  const exhausted: number[] = [];
  const { remainingRequests, remainingTokens, resetRequestsMs, resetTokensMs } = snapshot;
  if (remainingRequests === 0 && resetRequestsMs !== undefined) exhausted.push(resetRequestsMs);
  if (remainingTokens === 0 && resetTokensMs !== undefined) exhausted.push(resetTokensMs);
  if (exhausted.length > 0) return Math.max(...exhausted);
  const known = [resetRequestsMs, resetTokensMs].filter((ms): ms is number => ms !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
}

function count(raw: string | null): number | undefined {
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

function duration(raw: string | null): number | undefined {
  return raw === null ? undefined : parseGoDuration(raw);
}

function setIfDefined<K extends keyof OpenAIRateLimit>(
  target: OpenAIRateLimit,
  key: K,
  value: OpenAIRateLimit[K],
): void {
  if (value !== undefined) target[key] = value;
}
