/**
 * What a provider told us about one key's budgets, and what that allows now. Pure functions over a small
 * record; the providers parse their own headers into a `RateLimitSnapshot` (OpenAI `x-ratelimit-*` with Go
 * durations, Anthropic `anthropic-ratelimit-*` with RFC 3339 resets) and a 429's wait into `retryAfterMs`
 * (Retry-After, OpenAI's reset durations, Gemini's RetryInfo), so this unit knows no wire format.
 *
 * The provider's count is the truth for a key: it counts every client of the key, not only this gateway.
 * So a learned budget is not turned into a rate of our own; the gateway spends the stated remainder down
 * as it sends, and stops using the key when it reaches zero, until the stated reset: traffic goes elsewhere
 * before the provider has to answer 429. After the reset the budget is unknown again until the next answer.
 *
 * Answers arrive out of order (a long JSON answer carries headers from when it was admitted): an answer only
 * replaces what we know when its request was sent after the one that taught us last, and what was sent
 * since that request is subtracted from the remainder it states.
 */
import type { RateLimitSnapshot } from '../../providers/types.ts';

export interface LearnedLimits {
  limitRequests?: number;
  limitTokens?: number;
  /** The provider's stated remainder minus what was sent since; only meaningful before the reset. */
  remainingRequests?: number;
  remainingTokens?: number;
  requestsResetAt?: number;
  tokensResetAt?: number;
  /** A 429 asked for a wait (Retry-After, RetryInfo): the key is not used before this. */
  blockedUntil?: number;
  /** Send sequence number of the request whose answer this is. */
  seq: number;
}

/** Where a request stood among a key's sends: its sequence number and what was sent after it. */
export interface SendMark {
  seq: number;
  /** Requests and tokens this instance sent with the key after this request, up to now. */
  requestsSince: number;
  tokensSince: number;
}

/** The record after an answer carrying rate-limit headers; `previous` unchanged if the answer is older. */
export function learnFromAnswer(
  previous: LearnedLimits | undefined,
  snapshot: RateLimitSnapshot,
  mark: SendMark,
  now: number,
): LearnedLimits {
  if (previous && mark.seq < previous.seq) return previous;
  const next: LearnedLimits = { seq: mark.seq };
  if (previous?.blockedUntil !== undefined && previous.blockedUntil > now) next.blockedUntil = previous.blockedUntil;
  if (snapshot.limitRequests !== undefined) next.limitRequests = snapshot.limitRequests;
  if (snapshot.limitTokens !== undefined) next.limitTokens = snapshot.limitTokens;
  // A remainder without a reset cannot be waited out: it is shown, but only enforced with its reset.
  if (snapshot.remainingRequests !== undefined)
    next.remainingRequests = snapshot.remainingRequests - mark.requestsSince;
  if (snapshot.remainingTokens !== undefined) next.remainingTokens = snapshot.remainingTokens - mark.tokensSince;
  if (snapshot.resetRequestsMs !== undefined) next.requestsResetAt = now + snapshot.resetRequestsMs;
  if (snapshot.resetTokensMs !== undefined) next.tokensResetAt = now + snapshot.resetTokensMs;
  return next;
}

/** The record after a 429 that said how long to wait: nothing goes to the key before then. */
export function learnFromRateLimit(
  previous: LearnedLimits | undefined,
  retryAfterMs: number,
  now: number,
): LearnedLimits {
  const until = now + retryAfterMs;
  const blockedUntil = Math.max(until, previous?.blockedUntil ?? 0);
  return { ...(previous ?? { seq: 0 }), blockedUntil };
}

/** Milliseconds until a request costing `tokens` may use the key by what the provider said; 0 = now. */
export function learnedWait(learned: LearnedLimits, tokens: number, now: number): number {
  let wait = 0;
  if (learned.blockedUntil !== undefined && learned.blockedUntil > now) wait = learned.blockedUntil - now;
  const { remainingRequests, requestsResetAt, remainingTokens, tokensResetAt } = learned;
  if (remainingRequests !== undefined && requestsResetAt !== undefined && requestsResetAt > now) {
    if (remainingRequests < 1) wait = Math.max(wait, requestsResetAt - now);
  }
  if (remainingTokens !== undefined && tokensResetAt !== undefined && tokensResetAt > now) {
    if (remainingTokens < tokens) wait = Math.max(wait, tokensResetAt - now);
  }
  return wait;
}

/** Counts one request of `tokens` against the stated remainders (in place: this runs on every send). */
export function spendLearned(learned: LearnedLimits, tokens: number): void {
  if (learned.remainingRequests !== undefined) learned.remainingRequests -= 1;
  if (learned.remainingTokens !== undefined) learned.remainingTokens -= tokens;
}

/** Whether the record still says anything about the future (else it can be shown but never blocks). */
export function learnedBinds(learned: LearnedLimits, now: number): boolean {
  return (
    (learned.blockedUntil ?? 0) > now || (learned.requestsResetAt ?? 0) > now || (learned.tokensResetAt ?? 0) > now
  );
}
