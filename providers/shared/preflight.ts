/**
 * Runs a provider's work that happens before any network call (translating the request, the SDK's own
 * checks) so that whatever it throws is marked `preflight`: routing then neither retries it nor records it
 * against the provider's health. The translators' own refusals (`unsupported_parameter`, `invalid_request`)
 * pass through as they are; anything else is a bug of ours, reported as kind `internal` with the original
 * error as `cause` for the log (it comes from our code or an SDK's, never from an upstream, so it holds no
 * key).
 */
import { isUpstreamFailure, UpstreamFailure } from '../upstream-failure.ts';

export function preflightFailure(provider: string, error: unknown): UpstreamFailure {
  if (isUpstreamFailure(error) && error.preflight) return error;
  return new UpstreamFailure({
    provider,
    kind: 'internal',
    code: 'internal_error',
    message: `The gateway failed to prepare the request for ${provider}.`,
    preflight: true,
    cause: error,
  });
}

export function preflight<T>(provider: string, prepare: () => T): T {
  try {
    return prepare();
  } catch (error) {
    throw preflightFailure(provider, error);
  }
}
