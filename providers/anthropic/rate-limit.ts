/**
 * Anthropic `anthropic-ratelimit-*` response headers → the gateway's RateLimitSnapshot.
 *
 * Resets are RFC 3339 timestamps (e.g. `2026-11-02T10:15:00Z`), turned into ms from `now`. The combined
 * `tokens-*` headers describe the most restrictive token limit; when only the split input-/output-tokens
 * headers are present, the one with the smaller remaining budget is the one that bites.
 */
import type { RateLimitSnapshot } from '../types.ts';

const PREFIX = 'anthropic-ratelimit-';

interface Budget {
  limit?: number;
  remaining?: number;
  resetMs?: number;
}

export function parseRateLimit(headers: Headers, now: number = Date.now()): RateLimitSnapshot | undefined {
  const budget = (name: string): Budget => {
    const budget: Budget = {};
    const limit = headers.get(`${PREFIX}${name}-limit`);
    if (limit !== null && /^\d+$/.test(limit.trim())) budget.limit = Number(limit.trim());
    const remaining = headers.get(`${PREFIX}${name}-remaining`);
    if (remaining !== null && remaining.trim() !== '' && Number.isFinite(Number(remaining))) {
      budget.remaining = Number(remaining);
    }
    const reset = headers.get(`${PREFIX}${name}-reset`);
    const at = reset === null ? Number.NaN : Date.parse(reset.trim());
    if (!Number.isNaN(at)) budget.resetMs = Math.max(0, at - now);
    return budget;
  };

  const requests = budget('requests');
  const tokens = tightest(budget('tokens'), budget('input-tokens'), budget('output-tokens'));
  const snapshot: RateLimitSnapshot = {};
  if (requests.limit !== undefined) snapshot.limitRequests = requests.limit;
  if (tokens.limit !== undefined) snapshot.limitTokens = tokens.limit;
  if (requests.remaining !== undefined) snapshot.remainingRequests = requests.remaining;
  if (requests.resetMs !== undefined) snapshot.resetRequestsMs = requests.resetMs;
  if (tokens.remaining !== undefined) snapshot.remainingTokens = tokens.remaining;
  if (tokens.resetMs !== undefined) snapshot.resetTokensMs = tokens.resetMs;
  return Object.keys(snapshot).length > 0 ? snapshot : undefined;
}

/** The combined budget when reported, else the split budget with the least remaining. */
function tightest(combined: Budget, input: Budget, output: Budget): Budget {
  if (combined.remaining !== undefined || combined.resetMs !== undefined || combined.limit !== undefined)
    return combined;
  if (input.remaining === undefined) return output;
  if (output.remaining === undefined) return input;
  return output.remaining < input.remaining ? output : input;
}
