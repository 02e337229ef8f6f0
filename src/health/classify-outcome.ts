/**
 * What one attempt means for the provider's health.
 *
 * Only failures that are the provider's fault count as errors: routing's classification table decides which
 * those are and says so in `Outcome.fault` (an operator key that stopped working is the provider's fault just
 * as an outage is; a bad request or a prompt too long is the client's). Client faults count as requests but
 * not as errors: a client hammering a bad prompt must not trip a healthy provider.
 */
import type { Outcome } from './types.ts';

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
  // A failure that names no fault is treated as the provider's: we cannot tell, and hiding outages is worse.
  const cls: OutcomeClass = !failed ? 'success' : outcome.fault === 'client' ? 'client_fault' : 'provider_fault';
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
