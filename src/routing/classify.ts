/**
 * The one table that decides what a failure means: what routing does next, what happens to the key, and what
 * the attempt tells health. Routing reads only `UpstreamFailure.kind`; health learns whose fault a failure was
 * from the `fault` this table gives the Outcome (health itself knows no failure kinds).
 * The README's "Failure classification" section is this table in prose; keep them in step.
 */
import type { FailureKind, UpstreamFailure } from '../../providers/upstream-failure.ts';
import type { Fault } from '../health/types.ts';

export type Action =
  /** The caller's request is wrong: return the error as is; no retry, no other provider. */
  | 'return'
  /** Too long for this route: move to the route's larger-context fallback, else return a 400. */
  | 'context_fallback'
  /** Not retried here; move on to the next key or provider. */
  | 'failover'
  /** Transient: retry here with backoff (budget and deadline permitting), then fail over. */
  | 'retry';

export interface Classification {
  action: Action;
  /**
   * What the attempt means for the provider's health: `provider` counts as an error, `client` as a request
   * only (a client hammering a bad prompt must not trip a healthy provider), `none` is not recorded at all
   * (the provider did not judge the request, it only cannot serve it).
   */
  fault: Fault | 'none';
  /** What happens to the key that got this answer. */
  key?: 'bad' | 'exhausted';
  /** Retry only after the provider's stated wait, and prefer another healthy provider over waiting. */
  waitForProvider?: boolean;
  /** Use the longer overload base delay for the first backoff. */
  overload?: boolean;
}

export const CLASSIFICATION: Readonly<Record<FailureKind, Classification>> = {
  bad_request: { action: 'return', fault: 'client' },
  not_found: { action: 'return', fault: 'client' },
  content_filter: { action: 'return', fault: 'client' },
  context_length: { action: 'context_fallback', fault: 'client' },
  // An operator key that stopped working makes the provider unusable for us just as an outage does.
  auth: { action: 'failover', fault: 'provider', key: 'bad' },
  permission: { action: 'failover', fault: 'provider', key: 'bad' },
  quota_exhausted: { action: 'failover', fault: 'provider', key: 'exhausted' },
  rate_limit: { action: 'retry', fault: 'provider', waitForProvider: true },
  overloaded: { action: 'retry', fault: 'provider', overload: true },
  server: { action: 'retry', fault: 'provider' },
  timeout: { action: 'retry', fault: 'provider' },
  network: { action: 'retry', fault: 'provider' },
  stream_interrupted: { action: 'retry', fault: 'provider' },
  // The request is fine, this provider cannot honour it (e.g. `n` > 1 on Anthropic): try another, and if none
  // can, the client sees this 400.
  cannot_serve: { action: 'failover', fault: 'none' },
  // The gateway's own bug before any network call: another try would fail the same way.
  internal: { action: 'return', fault: 'none' },
};

export function classify(failure: UpstreamFailure): Classification {
  return CLASSIFICATION[failure.kind];
}

/** The gateway's own timeouts, named in fallback reasons (the deadline is reported as plain `timeout`). */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['first_token_timeout', 'idle_timeout', 'non_streaming_timeout']);

/** Short code for `x-switchyard-fallback-reason`, e.g. `openai:server_500`, `anthropic:unsupported_n`. */
export function reasonCode(failure: UpstreamFailure): string {
  if (failure.kind === 'cannot_serve') return `${failure.provider}:unsupported_${failure.param ?? 'parameter'}`;
  const detail =
    failure.kind === 'timeout' && failure.code && TIMEOUT_CODES.has(failure.code) ? failure.code : failure.kind;
  return `${failure.provider}:${detail}${failure.status ? `_${failure.status}` : ''}`;
}
