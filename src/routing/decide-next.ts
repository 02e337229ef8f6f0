/**
 * What to do after a failed attempt. Pure: it decides from the failure's classification and from facts the
 * attempt site gathered (attempts made, keys and providers left, the deadline, the retry budget) and changes
 * nothing; the attempt site acts on the step (marks keys, spends the retry budget, sleeps).
 */
import type { UpstreamFailure } from '../../providers/upstream-failure.ts';
import type { RetryPolicy } from '../config/policy.ts';
import { backoffDelay } from './backoff.ts';
import type { Classification } from './classify.ts';

export interface FailureFacts {
  failure: Pick<UpstreamFailure, 'provider' | 'retryAfterMs'>;
  classification: Classification;
  /** Attempts made, and retries taken, at this provider for this request. */
  attemptsHere: number;
  retriesHere: number;
  /** Attempts this request may still make before the providers it has not reached need their first tries. */
  spareAttempts: number;
  /** A key of this provider that this request has not tried yet is usable. */
  anotherKey: boolean;
  /** A later provider in the plan is healthy (or admitted as a probe) and has a usable key. */
  healthyAlternative: boolean;
  /** The provider's retry budget has a retry left (checked, not spent). */
  retryBudgetLeft: boolean;
  untilDeadlineMs: number;
}

/**
 * `note` is a fallback-reason code for a decision the client should be able to see (`skip_wait`,
 * `retry_budget`, ...). `gaveUp` marks a failover from a provider the gateway would have retried: what health
 * calls retry exhaustion.
 */
export type NextStep =
  | { type: 'return' }
  | { type: 'context_fallback' }
  | { type: 'next_key' }
  | { type: 'failover'; gaveUp: boolean; note?: string }
  | { type: 'retry'; delayMs: number };

export function decideNext(facts: FailureFacts, policy: RetryPolicy, random: (() => number) | undefined): NextStep {
  const { failure, classification } = facts;
  const provider = failure.provider;
  if (classification.action === 'return' || classification.action === 'context_fallback') {
    return { type: classification.action };
  }
  if (classification.action === 'failover') {
    return facts.anotherKey ? { type: 'next_key' } : { type: 'failover', gaveUp: false };
  }
  const giveUp = (note?: string): NextStep => ({ type: 'failover', gaveUp: true, ...(note ? { note } : {}) });
  if (facts.attemptsHere >= policy.maxAttemptsPerProvider) return giveUp();
  // Never spend on retries the attempts that the remaining providers' first tries need.
  if (facts.spareAttempts <= 0) return giveUp();
  if (classification.waitForProvider && facts.healthyAlternative) return giveUp(`${provider}:skip_wait`);
  const delayMs = backoffDelay(policy, facts.retriesHere, {
    ...(classification.overload ? { overload: true } : {}),
    ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
    ...(random ? { random } : {}),
  });
  if (delayMs >= facts.untilDeadlineMs) {
    return failure.retryAfterMs === undefined ? giveUp() : giveUp(`${provider}:wait_exceeds_deadline`);
  }
  if (!facts.retryBudgetLeft) return giveUp(`${provider}:retry_budget`);
  return { type: 'retry', delayMs };
}
