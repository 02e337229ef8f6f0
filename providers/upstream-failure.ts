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
  | 'stream_interrupted'
  /**
   * This provider cannot honour the request, which is fine as such (e.g. `n` > 1 on Anthropic, an audio part
   * on Gemini, OpenAI's own `unsupported_parameter`): another provider may serve it. Code `unsupported_parameter`.
   */
  | 'cannot_serve'
  /** The gateway's own code failed before any network call (a translator bug): nobody's input to fix. */
  | 'internal';

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
  /**
   * Raised before any network call (a translator's or an SDK's own check): the provider never saw the
   * request, so this says nothing about the provider's health and is never recorded as its outcome.
   */
  preflight?: boolean;
  cause?: unknown;
}

export class UpstreamFailure extends Error {
  readonly provider: string;
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly preflight: boolean;

  constructor(init: UpstreamFailureInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'UpstreamFailure';
    this.provider = init.provider;
    this.kind = init.kind;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.code = init.code;
    this.param = init.param;
    this.preflight = init.preflight ?? false;
  }
}

export function isUpstreamFailure(value: unknown): value is UpstreamFailure {
  return value instanceof UpstreamFailure;
}
