/**
 * The one table that decides what a failure means. Routing reads only `UpstreamFailure.kind` (plus the
 * `unsupported_parameter` code translators use for "this provider cannot serve this request").
 * The README's "Failure classification" section is this table in prose; keep them in step.
 */
import type { FailureKind, UpstreamFailure } from '../../providers/upstream-failure.ts';

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
  /** What happens to the key that got this answer. */
  key?: 'bad' | 'exhausted';
  /** Retry only after the provider's stated wait, and prefer another healthy provider over waiting. */
  waitForProvider?: boolean;
  /** Use the longer overload base delay for the first backoff. */
  overload?: boolean;
}

export const CLASSIFICATION: Readonly<Record<FailureKind, Classification>> = {
  bad_request: { action: 'return' },
  not_found: { action: 'return' },
  content_filter: { action: 'return' },
  context_length: { action: 'context_fallback' },
  auth: { action: 'failover', key: 'bad' },
  permission: { action: 'failover', key: 'bad' },
  quota_exhausted: { action: 'failover', key: 'exhausted' },
  rate_limit: { action: 'retry', waitForProvider: true },
  overloaded: { action: 'retry', overload: true },
  server: { action: 'retry' },
  timeout: { action: 'retry' },
  network: { action: 'retry' },
  stream_interrupted: { action: 'retry' },
  // The gateway's own bug before any network call: another try would fail the same way.
  internal: { action: 'return' },
};

/** A translator said the target cannot honour the request (e.g. `n` > 1 on Anthropic): try another provider. */
export function cannotServe(failure: UpstreamFailure): boolean {
  return failure.code === 'unsupported_parameter';
}

export function classify(failure: UpstreamFailure): Classification {
  if (cannotServe(failure)) return { action: 'failover' };
  return CLASSIFICATION[failure.kind];
}

/** The gateway's own timeouts, named in fallback reasons (the deadline is reported as plain `timeout`). */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['first_token_timeout', 'idle_timeout', 'non_streaming_timeout']);

/** Short code for `x-switchyard-fallback-reason`, e.g. `openai:server_500`, `anthropic:overloaded_529`. */
export function reasonCode(failure: UpstreamFailure): string {
  if (cannotServe(failure)) return `${failure.provider}:unsupported_${failure.param ?? 'parameter'}`;
  const detail =
    failure.kind === 'timeout' && failure.code && TIMEOUT_CODES.has(failure.code) ? failure.code : failure.kind;
  return `${failure.provider}:${detail}${failure.status ? `_${failure.status}` : ''}`;
}
