/**
 * What one attempt means for the provider's health.
 *
 * Only failures that are the provider's fault count as errors: an operator key that stopped working
 * (auth, permission, quota_exhausted) makes the provider unusable for us just as an outage does. Requests
 * the client got wrong (bad_request, context_length, not_found, content_filter) count as requests but not
 * as errors: a client hammering a bad prompt must not trip a healthy provider.
 */
import type { FailureKind } from '../../providers/upstream-failure.ts';
import type { Outcome } from './types.ts';

const CLIENT_FAULTS: ReadonlySet<FailureKind> = new Set<FailureKind>([
  'bad_request',
  'context_length',
  'not_found',
  'content_filter',
  // The gateway's own bug (routing never records these, as they happen before any network call).
  'internal',
]);

export type OutcomeClass = 'success' | 'provider_fault' | 'client_fault';

export interface OutcomeSignals {
  class: OutcomeClass;
  rateLimited: boolean;
  serverError: boolean;
  /** The gateway gave up on this provider for the request. */
  exhausted: boolean;
  /** The latency that goes into the distribution, ms; undefined when unusable. */
  latencyMs: number | undefined;
}

export function classifyOutcome(outcome: Outcome): OutcomeSignals {
  const failed = !outcome.ok;
  // A failure without a kind is treated as the provider's: we cannot tell, and hiding outages is worse.
  const cls: OutcomeClass = !failed
    ? 'success'
    : outcome.kind !== undefined && CLIENT_FAULTS.has(outcome.kind)
      ? 'client_fault'
      : 'provider_fault';
  const status = outcome.status;
  // Only provider-fault 429s, so that "errors minus 429s" is exact when 429s are kept out of the error rate.
  const rateLimited =
    cls === 'provider_fault' && (status === 429 || (status === undefined && outcome.kind === 'rate_limit'));
  const serverError =
    failed &&
    (status !== undefined
      ? status >= 500 && status <= 599
      : outcome.kind === 'overloaded' || outcome.kind === 'server');
  return {
    class: cls,
    rateLimited,
    serverError,
    exhausted: failed && outcome.retriesExhausted,
    latencyMs: attemptLatency(outcome),
  };
}

/**
 * Time to first byte when the attempt got that far, else the whole attempt: a long streamed answer is not a
 * slow provider, but a provider that takes 40 s to start answering (or to time out) is.
 */
function attemptLatency(outcome: Outcome): number | undefined {
  const value = outcome.firstByteMs ?? outcome.latencyMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
