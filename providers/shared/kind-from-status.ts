import type { FailureKind } from '../upstream-failure.ts';

/**
 * The failure kind an HTTP status means when the provider's own error code says nothing more specific.
 * Providers refine this with their codes (OpenAI `insufficient_quota`, Anthropic `overloaded_error`, ...).
 */
export function kindFromStatus(status: number): FailureKind {
  switch (status) {
    case 400:
    case 409:
    case 413:
    case 422:
      return 'bad_request';
    case 401:
      return 'auth';
    case 402:
      return 'quota_exhausted';
    case 403:
      return 'permission';
    case 404:
      return 'not_found';
    case 408:
    case 504:
      return 'timeout';
    case 429:
      return 'rate_limit';
    case 503:
    case 529:
      return 'overloaded';
    default:
      return status >= 500 ? 'server' : 'bad_request';
  }
}
