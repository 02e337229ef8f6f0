/**
 * The answer when no target had budget within the wait the request was allowed (the queue's bound or its
 * deadline), or the queue was full: 429 `rate_limit_exceeded`, with a `retry-after` that is what the limits
 * know (the soonest budget frees; a second when only an ending request can free one), and
 * `x-should-retry: true`, because a retry then is what will work.
 */
import { GatewayError } from '../gateway-error.ts';

export type LocalLimitCause = 'queue_full' | 'wait_exceeds_bound' | 'queue_timeout';

export function localLimitError(waitMs: number, cause: LocalLimitCause, providers: readonly string[]): GatewayError {
  const seconds = Number.isFinite(waitMs) ? Math.max(1, Math.ceil(waitMs / 1000)) : 1;
  const who = providers.length ? ` (${[...new Set(providers)].join(', ')})` : '';
  const why =
    cause === 'queue_full'
      ? 'and the wait queue is full'
      : cause === 'queue_timeout'
        ? 'for as long as this request could wait'
        : 'and none frees within the wait this request is allowed';
  return new GatewayError({
    status: 429,
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    message: `Every provider key this request could use is at the gateway's rate limit${who}, ${why}. Retry in ${seconds} s.`,
    headers: { 'retry-after': String(seconds), 'x-should-retry': 'true' },
  });
}
