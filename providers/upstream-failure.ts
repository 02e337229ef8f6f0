/**
 * The one normalized failure every provider produces. Routing decides what to do from `kind` alone;
 * `message` is safe to show to a client (no keys, whole or masked, no upstream URLs with secrets).
 */
export type FailureKind =
  | 'bad_request'
  | 'context_length'
  | 'auth'
  | 'permission'
  | 'not_found'
  | 'rate_limit'
  | 'quota_exhausted'
  | 'overloaded'
  | 'server'
  | 'timeout'
  | 'network'
  | 'content_filter'
  | 'stream_interrupted';

export interface UpstreamFailureInit {
  provider: string;
  kind: FailureKind;
  message: string;
  /** HTTP status from the upstream; undefined for network errors and timeouts. */
  status?: number;
  /** How long the upstream asked us to wait (Retry-After, retry-after-ms, RetryInfo), in ms. */
  retryAfterMs?: number;
  /** The provider's own error code or type, e.g. `insufficient_quota`, `overloaded_error`, `RESOURCE_EXHAUSTED`. */
  code?: string;
  /** The request field the upstream blamed, when it said (OpenAI `param`). */
  param?: string;
  cause?: unknown;
}

export class UpstreamFailure extends Error {
  readonly provider: string;
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly code: string | undefined;
  readonly param: string | undefined;

  constructor(init: UpstreamFailureInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'UpstreamFailure';
    this.provider = init.provider;
    this.kind = init.kind;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.code = init.code;
    this.param = init.param;
  }
}

export function isUpstreamFailure(value: unknown): value is UpstreamFailure {
  return value instanceof UpstreamFailure;
}
