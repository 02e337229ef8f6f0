/**
 * What OpenAI's own error `type` and `code` say, beyond the HTTP status.
 *
 * Sources: the error-codes guide (https://platform.openai.com/docs/guides/error-codes) and the envelopes
 * OpenAI returns, `{"error":{"message","type","param","code"}}`:
 * - 429 has two unrelated meanings. `rate_limit_exceeded` (type `requests`/`tokens`) and `slow_down` (type
 *   `rate_limit_error`) mean "wait"; billing failures mean "waiting will not help": their type is
 *   `insufficient_quota` and the code says which budget ran dry (`insufficient_quota`,
 *   `credit_balance_exhausted`, `organization_spend_limit_exceeded`, `project_spend_limit_exceeded`,
 *   `organization_usage_limit_exceeded`; see
 *   https://dev.to/sublynow/your-openai-api-429-is-not-always-a-rate-limit-reading-insufficientquota-by-errorcode-1mbl).
 * - 503 `server_is_overloaded` (type `service_unavailable_error`), 500 type `server_error`.
 * - 400 `unsupported_parameter` (e.g. `temperature` on a reasoning model): the request is fine, this model
 *   cannot take it, so another provider may serve it (`cannot_serve`).
 * - An error inside a stream (`data: {"error":{...}}` after the 200) has no status at all, so its kind can
 *   only come from `type` and `code`.
 */
import { kindFromStatus } from '../shared/kind-from-status.ts';
import type { FailureKind } from '../upstream-failure.ts';

const QUOTA_CODES = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'project_spend_limit_exceeded',
  'organization_usage_limit_exceeded',
  'billing_hard_limit_reached',
]);

export interface OpenAIErrorFields {
  type?: string | undefined;
  code?: string | undefined;
}

export function isQuotaError({ type, code }: OpenAIErrorFields): boolean {
  return type === 'insufficient_quota' || (code !== undefined && QUOTA_CODES.has(code));
}

/** The kind of an HTTP error response, refined by its code. */
export function kindFromStatusAndCode(status: number, fields: OpenAIErrorFields): FailureKind {
  // A billing 429 is never a rate limit: retrying it only burns the retry budget.
  if (isQuotaError(fields)) return 'quota_exhausted';
  if (fields.code === 'context_length_exceeded' && status >= 400 && status < 500) return 'context_length';
  if (fields.code === 'unsupported_parameter' && status >= 400 && status < 500) return 'cannot_serve';
  return kindFromStatus(status);
}

/**
 * The kind of an error that came without an HTTP status (an in-stream error event). Unknown errors are
 * `server`: the upstream failed after accepting the request, and nothing says the request was at fault.
 */
export function kindFromCode(fields: OpenAIErrorFields): FailureKind {
  const { type, code } = fields;
  if (isQuotaError(fields)) return 'quota_exhausted';
  if (code === 'context_length_exceeded') return 'context_length';
  if (code === 'unsupported_parameter') return 'cannot_serve';
  if (code === 'rate_limit_exceeded' || code === 'slow_down') return 'rate_limit';
  if (type === 'rate_limit_error' || type === 'requests' || type === 'tokens') return 'rate_limit';
  if (code === 'invalid_api_key' || type === 'authentication_error') return 'auth';
  if (type === 'permission_error') return 'permission';
  if (code === 'model_not_found') return 'not_found';
  if (type === 'service_unavailable_error') return 'overloaded';
  if (mentions(type, 'overloaded') || mentions(code, 'overloaded')) return 'overloaded';
  if (mentions(type, 'timeout') || mentions(code, 'timeout')) return 'timeout';
  if (code === 'content_filter' || code === 'content_policy_violation') return 'content_filter';
  if (type === 'invalid_request_error') return 'bad_request';
  return 'server';
}

function mentions(value: string | undefined, word: string): boolean {
  return value?.toLowerCase().includes(word) === true;
}
