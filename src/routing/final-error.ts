/**
 * The error a client sees once the gateway stops trying. Built so that official client SDKs do not multiply
 * load: `x-should-retry: false` unless a retry by the client would truly help, and then an honest
 * `retry-after`. Upstream credential problems are reported as the gateway's (502), never as the caller's 401.
 */

import type { UpstreamFailure } from '../../providers/upstream-failure.ts';
import { GatewayError } from '../gateway-error.ts';

const NO_RETRY = { 'x-should-retry': 'false' };

/** An error that is the caller's to fix, passed on as the upstream stated it (in OpenAI's shape). */
export function clientError(failure: UpstreamFailure): GatewayError {
  if (failure.kind === 'internal') return internalError(failure);
  const status = failure.status && failure.status >= 400 && failure.status < 500 ? failure.status : 400;
  return new GatewayError({
    status: failure.kind === 'not_found' ? 404 : status,
    type: 'invalid_request_error',
    code:
      failure.kind === 'context_length'
        ? 'context_length_exceeded'
        : failure.kind === 'content_filter'
          ? 'content_filter'
          : (failure.code ?? null),
    param: failure.param ?? null,
    message: failure.message,
    headers: NO_RETRY,
  });
}

/**
 * The gateway's own bug: a 500 in OpenAI's shape that keeps the original error as `cause`, for the HTTP layer
 * to log with its stack under the request id.
 */
function internalError(failure: UpstreamFailure): GatewayError {
  const error = new GatewayError({
    status: 500,
    type: 'server_error',
    code: 'internal_error',
    message: `${failure.message} This is a bug in the gateway, not in your request.`,
    headers: NO_RETRY,
  });
  error.cause = failure.cause ?? failure;
  return error;
}

export function noProviderError(model: string): GatewayError {
  return new GatewayError({
    status: 503,
    type: 'server_error',
    code: 'no_provider_available',
    message: `No configured provider can serve model "${model}". Configure a provider key or a route for it.`,
    headers: NO_RETRY,
  });
}

export function finalError(
  failures: readonly UpstreamFailure[],
  context: { model: string; attempts: number; elapsedMs: number; deadlineHit: boolean },
): GatewayError {
  if (failures.length === 0) return noProviderError(context.model);
  // A provider that cannot serve the request failed nothing: if none could, the client sees the first refusal.
  const real = failures.filter((failure) => failure.kind !== 'cannot_serve');
  if (real.length === 0) return clientError(failures[0]!);
  const summary = summarise(real);
  const tail = `(gave up after ${context.attempts} attempt${context.attempts === 1 ? '' : 's'} in ${(context.elapsedMs / 1000).toFixed(1)} s)`;
  const all = (kinds: string[]) => real.every((failure) => kinds.includes(failure.kind));

  if (all(['auth', 'permission'])) {
    const providers = [...new Set(real.map((failure) => failure.provider))].join(', ');
    return new GatewayError({
      status: 502,
      type: 'upstream_error',
      code: 'upstream_auth_failed',
      message: `The gateway's credentials for ${providers} were rejected by the provider. This is a gateway configuration problem, not your API key. ${tail}`,
      headers: NO_RETRY,
    });
  }
  if (all(['rate_limit'])) {
    const waits = real.map((failure) => failure.retryAfterMs).filter((ms): ms is number => ms !== undefined);
    const shortest = waits.length ? Math.min(...waits) : undefined;
    // Only a stated wait is an honest reason for the client to retry; without one we do not invite retries.
    const headers: Record<string, string> =
      shortest !== undefined
        ? { 'retry-after': String(Math.max(1, Math.ceil(shortest / 1000))), 'x-should-retry': 'true' }
        : NO_RETRY;
    return new GatewayError({
      status: 429,
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      message: `Every provider is rate limiting: ${summary} ${tail}`,
      headers,
    });
  }
  if (all(['quota_exhausted', 'auth', 'permission'])) {
    return new GatewayError({
      status: 503,
      type: 'upstream_error',
      code: 'upstream_quota_exhausted',
      message: `Every provider's quota is exhausted: ${summary} ${tail}`,
      headers: NO_RETRY,
    });
  }
  const last = real[real.length - 1]!;
  if (context.deadlineHit || last.kind === 'timeout') {
    return new GatewayError({
      status: 504,
      type: 'upstream_error',
      code: 'upstream_timeout',
      message: `No provider answered in time: ${summary} ${tail}`,
      headers: NO_RETRY,
    });
  }
  if (last.kind === 'overloaded') {
    return new GatewayError({
      status: 503,
      type: 'upstream_error',
      code: 'upstream_overloaded',
      message: `Every provider is overloaded or failing: ${summary} ${tail}`,
      headers: NO_RETRY,
    });
  }
  return new GatewayError({
    status: 502,
    type: 'upstream_error',
    code: 'upstream_unavailable',
    message: `Every provider failed: ${summary} ${tail}`,
    headers: NO_RETRY,
  });
}

function summarise(failures: readonly UpstreamFailure[]): string {
  const seen = new Map<string, string>();
  for (const failure of failures) {
    const status = failure.status ? ` ${failure.status}` : '';
    seen.set(
      failure.provider,
      `${failure.provider}: ${failure.kind.replace('_', ' ')}${status}${failure.code ? ` (${failure.code})` : ''}`,
    );
  }
  return [...seen.values()].join('; ');
}
