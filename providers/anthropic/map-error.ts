/**
 * Anything the Anthropic SDK throws → UpstreamFailure.
 *
 * The error `type` in Anthropic's envelope (`{"type":"error","error":{"type","message"},"request_id"}`,
 * ErrorType in @anthropic-ai/sdk resources/shared.ts) is Anthropic's own classification and decides the
 * kind; the HTTP status is the fallback for bodies without one (a proxy's HTML 502). Two refinements the
 * type alone misses:
 * - a 400 about the context window is `context_length` (another provider may have a bigger window);
 * - a spend-limit 429 (`error.details.error_code` enforced/contract spend limit) or a credit/usage-limit
 *   400 is `quota_exhausted`, not `rate_limit`: waiting does not help until the month or the balance
 *   changes, so we also drop any Retry-After it carries.
 * In-stream `event: error` frames arrive as an APIError without status and map by type the same way.
 */
import {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { kindFromStatus } from '../shared/kind-from-status.ts';
import type { MapErrorContext } from '../shared/map-error-context.ts';
import { parseRetryAfter } from '../shared/parse-retry-after.ts';
import { redactField, redactMessage } from '../shared/redact-secrets.ts';
import { type FailureKind, isUpstreamFailure, UpstreamFailure } from '../upstream-failure.ts';
import { PROVIDER_NAME } from './provider-name.ts';

const KIND_BY_TYPE: Readonly<Record<string, FailureKind>> = {
  invalid_request_error: 'bad_request',
  authentication_error: 'auth',
  billing_error: 'quota_exhausted',
  permission_error: 'permission',
  not_found_error: 'not_found',
  // The body is over Anthropic's byte limit: this provider cannot take the request, one with larger limits
  // may, which is what routing does with context_length too.
  request_too_large: 'context_length',
  rate_limit_error: 'rate_limit',
  api_error: 'server',
  timeout_error: 'timeout',
  overloaded_error: 'overloaded',
};

const SPEND_LIMIT_CODES: ReadonlySet<string> = new Set([
  'enforced_spend_limit_reached',
  'contract_spend_limit_reached',
  'linked_organization_spend_limit_reached',
]);

const CONTEXT_PATTERN = /prompt is too long|context (window|length|limit)|maximum context|too many (input )?tokens/i;
const QUOTA_PATTERN = /credit balance|spend(ing)? limit|usage limits?/i;
/** Anthropic's 400 for a tool-use turn replayed without its thinking blocks while thinking is on. */
const THINKING_MISSING_PATTERN = /must (start|begin) with a thinking block|Expected [`'"]?(redacted_)?thinking/i;
const THINKING_MISSING_HINT =
  'Claude thinks on this model, and Anthropic needs the thinking blocks of the assistant turn that called the tools. ' +
  'The gateway keeps them for an hour in the memory of the instance that served that turn; here they were not ' +
  'available (another instance, a restart, or expired), and OpenAI-format history cannot carry them. Start the ' +
  'tool loop again from the user turn.';

export function mapAnthropicError(error: unknown, ctx: MapErrorContext): UpstreamFailure {
  if (isUpstreamFailure(error)) return error;
  const inStream = ctx.phase === 'stream';
  const fail = (
    kind: FailureKind,
    message: string,
    extra: Partial<ConstructorParameters<typeof UpstreamFailure>[0]> = {},
  ) => new UpstreamFailure({ provider: PROVIDER_NAME, kind, message: redactMessage(message, ctx.secrets), ...extra });

  // Subclasses first: connection errors and aborts are APIErrors without a status.
  if (error instanceof APIConnectionTimeoutError)
    return fail('timeout', 'Anthropic request timed out', { code: 'timeout' });
  if (error instanceof APIConnectionError) {
    return inStream
      ? fail('stream_interrupted', 'Anthropic connection failed mid-stream', { code: 'connection_error' })
      : fail('network', 'could not connect to Anthropic', { code: 'connection_error' });
  }
  if (error instanceof APIUserAbortError) return fail('network', 'Anthropic request was aborted', { code: 'aborted' });
  if (error instanceof APIError) return fromApiError(error, ctx, fail);
  if (error instanceof SyntaxError) {
    return fail('server', 'Anthropic sent a malformed response (invalid JSON)', { code: 'malformed_response' });
  }
  if (error instanceof AnthropicError)
    return fail('server', `Anthropic SDK error: ${error.message}`, { code: 'sdk_error' });
  // No `cause`: a logger that serialises it would print whatever the original error held; the redacted
  // text (with the cause's message, where undici says what happened) is what we pass on.
  const text = describe(error);
  return inStream
    ? fail('stream_interrupted', `Anthropic stream broke off: ${text}`, { code: 'stream_interrupted' })
    : fail('network', `Anthropic request failed: ${text}`, { code: 'network_error' });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

function fromApiError(
  error: APIError,
  ctx: MapErrorContext,
  fail: (
    kind: FailureKind,
    message: string,
    extra?: Partial<ConstructorParameters<typeof UpstreamFailure>[0]>,
  ) => UpstreamFailure,
): UpstreamFailure {
  const status = typeof error.status === 'number' ? error.status : undefined;
  const type = error.type ?? undefined;
  const detail = error.apiMessage ?? error.message;
  let kind: FailureKind = (type && KIND_BY_TYPE[type]) ?? (status !== undefined ? kindFromStatus(status) : 'server');
  if (status === 413) kind = 'context_length';
  if (kind === 'bad_request' && CONTEXT_PATTERN.test(detail)) kind = 'context_length';
  const spendLimit = error.errorCode !== null && SPEND_LIMIT_CODES.has(error.errorCode);
  if (spendLimit || ((kind === 'bad_request' || kind === 'rate_limit') && QUOTA_PATTERN.test(detail))) {
    kind = 'quota_exhausted';
  }

  const where = status === undefined ? 'Anthropic stream error' : `Anthropic returned ${status}`;
  const extra: Partial<ConstructorParameters<typeof UpstreamFailure>[0]> = {};
  if (status !== undefined) extra.status = status;
  // The type is upstream text too: redacted like the message before it becomes the failure's code.
  if (type !== undefined) extra.code = redactField(type, ctx.secrets);
  if (kind !== 'quota_exhausted' && error.headers) {
    const retryAfterMs = parseRetryAfter(error.headers, ctx.now);
    if (retryAfterMs !== undefined) extra.retryAfterMs = retryAfterMs;
  }
  if (kind === 'bad_request' && THINKING_MISSING_PATTERN.test(detail)) {
    return fail(
      'bad_request',
      `Anthropic returned 400 invalid_request_error: ${THINKING_MISSING_HINT} (Anthropic said: ${detail})`,
      {
        ...extra,
        code: 'thinking_blocks_missing',
      },
    );
  }
  const codeNote = error.errorCode ? ` (${error.errorCode})` : '';
  return fail(kind, `${where} ${type ?? 'error'}${codeNote}: ${detail}`, extra);
}
