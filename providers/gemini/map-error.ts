/**
 * Whatever a Gemini call threw → `UpstreamFailure`.
 *
 * Where the information comes from (node_modules/@google/genai/dist/node/index.mjs):
 * - an HTTP error status: `throwErrorIfNotOK` throws `ApiError { status, message: JSON.stringify(body) }`, the
 *   body being Gemini's envelope `{"error":{"code","message","status","details"}}` (a non-JSON body is wrapped
 *   as `{"error":{"message": text, "code", "status": statusText}}`). The message is parsed back; nothing is lost
 *   but the headers, which capture-response.ts keeps for `Retry-After`.
 * - an error event inside a 200 stream: `throwIfStreamErrorChunk` throws `ApiError { status: error.code,
 *   message: "got status: <status>. <json>" }`: same envelope after the prefix, mapped by its status.
 * - a body that is not JSON: `SyntaxError` from `response.json()` → `server`, code `malformed_response`.
 * - transport: `fetch` rejects with a `TypeError` ("fetch failed"; "terminated" once the body was flowing) →
 *   `network` before the stream started, `stream_interrupted` after. An SSE body ending inside an event:
 *   "Incomplete JSON segment at the end" → `stream_interrupted`.
 * - the SDK's own timeout aborts with an `AbortError` → `timeout` (an abort of the caller's signal never gets
 *   here: the provider rethrows the signal's reason unchanged).
 *
 * Status and details, from https://ai.google.dev/gemini-api/docs/troubleshooting and google/rpc/error_details.proto
 * (https://github.com/googleapis/googleapis/blob/master/google/rpc/error_details.proto):
 * - 400 INVALID_ARGUMENT → `bad_request`; "input token count exceeds ..." / token-limit messages → `context_length`;
 *   `ErrorInfo.reason` API_KEY_INVALID (Gemini's answer to a wrong key is a 400) → `auth`;
 * - 400 FAILED_PRECONDITION (free tier not available in the caller's country, billing required) → `permission`:
 *   the request is fine, this provider cannot serve it;
 * - 401 → `auth`; 403 PERMISSION_DENIED → `permission`; 404 NOT_FOUND → `not_found`;
 * - 429 RESOURCE_EXHAUSTED → `rate_limit`, `retryAfterMs` from `google.rpc.RetryInfo.retryDelay` ("58s") or the
 *   Retry-After header; any `google.rpc.QuotaFailure` violation with a per-day quota (`quotaId` containing
 *   "PerDay", e.g. GenerateRequestsPerDayPerProjectPerModel-FreeTier) → `quota_exhausted`: it resets in hours;
 * - 500 INTERNAL → `server`; 503 UNAVAILABLE → `overloaded`; 504 DEADLINE_EXCEEDED → `timeout`.
 * `code` is Gemini's status string. Every message goes through redact-secrets.ts with the key named (and the
 * one length cap), and the
 * SDK error is not attached as `cause` (its raw text would bypass the redaction in logs).
 */
import { kindFromStatus } from '../shared/kind-from-status.ts';
import type { MapErrorContext } from '../shared/map-error-context.ts';
import { parseProtoDuration, parseRetryAfter } from '../shared/parse-retry-after.ts';
import { redactField, redactMessage } from '../shared/redact-secrets.ts';
import { type FailureKind, isUpstreamFailure, UpstreamFailure } from '../upstream-failure.ts';
import { isJsonObject } from './prepare-json-schema.ts';

export interface GeminiErrorBody {
  code?: number;
  message?: string;
  status?: string;
  details: unknown[];
}

export function mapGeminiError(error: unknown, context: MapErrorContext): UpstreamFailure {
  if (isUpstreamFailure(error)) return error;
  if (isApiError(error)) {
    const body = parseGeminiErrorBody(error.message);
    return mapGeminiStatus(error.status, body, context);
  }
  const name = error instanceof Error ? error.name : '';
  const text = error instanceof Error ? error.message : String(error);
  if (name === 'AbortError' || name === 'TimeoutError') {
    return failure(context, {
      kind: 'timeout',
      code: 'timeout',
      message: 'Gemini did not answer within the attempt timeout.',
    });
  }
  if (error instanceof SyntaxError || /^exception parsing stream chunk|^Response body is empty/.test(text)) {
    return failure(context, {
      kind: 'server',
      code: 'malformed_response',
      message: `Gemini sent a response that is not valid JSON: ${text}`,
    });
  }
  if (/^Incomplete JSON segment at the end/.test(text)) {
    return failure(context, {
      kind: 'stream_interrupted',
      code: 'stream_interrupted',
      message: "Gemini's stream broke off in the middle of an event.",
    });
  }
  if (isNetworkError(error)) {
    return context.phase === 'stream'
      ? failure(context, {
          kind: 'stream_interrupted',
          code: 'stream_interrupted',
          message: `The connection to Gemini broke during the stream: ${describeNetworkError(error)}`,
        })
      : failure(context, {
          kind: 'network',
          code: 'network_error',
          message: `Could not reach Gemini: ${describeNetworkError(error)}`,
        });
  }
  return failure(context, {
    kind: context.phase === 'stream' ? 'stream_interrupted' : 'server',
    code: 'unexpected_error',
    message: `Gemini call failed: ${text}`,
  });
}

/** An HTTP status with Gemini's error envelope (possibly absent) → failure. Pure. */
export function mapGeminiStatus(
  httpStatus: number,
  body: GeminiErrorBody | undefined,
  context: MapErrorContext,
): UpstreamFailure {
  const status = body?.status !== undefined && /^[A-Z_]+$/.test(body.status) ? body.status : undefined;
  const details = body?.details ?? [];
  const reason = errorInfoReason(details);
  const message = `Gemini ${httpStatus}${status ? ` ${status}` : ''}: ${body?.message ?? 'no error message'}`;
  const retryAfterMs =
    retryDelayMs(details) ?? (context.headers ? parseRetryAfter(context.headers, context.now) : undefined);
  const kind = classify(httpStatus, status, reason, body?.message ?? '', details);
  return failure(context, { kind, status: httpStatus, code: status ?? reason, retryAfterMs, message });
}

/** Gemini's envelope from an ApiError message (plain JSON, or "got status: X. <json>" for in-stream errors). */
export function parseGeminiErrorBody(text: string): GeminiErrorBody | undefined {
  const start = text.search(/[[{]/);
  if (start < 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start));
  } catch {
    return undefined;
  }
  const envelope = Array.isArray(parsed) ? parsed[0] : parsed; // streamed-JSON-array errors come as [{...}]
  if (!isJsonObject(envelope) || !isJsonObject(envelope.error)) return undefined;
  const error = envelope.error;
  const body: GeminiErrorBody = { details: Array.isArray(error.details) ? error.details : [] };
  if (typeof error.code === 'number') body.code = error.code;
  if (typeof error.message === 'string') body.message = error.message;
  if (typeof error.status === 'string') body.status = error.status;
  return body;
}

function classify(
  httpStatus: number,
  status: string | undefined,
  reason: string | undefined,
  message: string,
  details: unknown[],
): FailureKind {
  if (reason === 'API_KEY_INVALID' || reason === 'API_KEY_EXPIRED') return 'auth';
  if (httpStatus === 400 || status === 'INVALID_ARGUMENT' || status === 'FAILED_PRECONDITION') {
    if (status === 'FAILED_PRECONDITION') return 'permission';
    if (
      /token count.*exceeds|exceeds the maximum number of tokens|too many tokens|context (length|window)|input (is )?too long/i.test(
        message,
      )
    ) {
      return 'context_length';
    }
    if (httpStatus === 400) return 'bad_request';
  }
  if (httpStatus === 429 || status === 'RESOURCE_EXHAUSTED')
    return hasPerDayQuota(details) ? 'quota_exhausted' : 'rate_limit';
  return kindFromStatus(httpStatus);
}

function detailsOfType(details: unknown[], type: string): Record<string, unknown>[] {
  return details.filter(
    (detail): detail is Record<string, unknown> =>
      isJsonObject(detail) && typeof detail['@type'] === 'string' && detail['@type'].endsWith(`google.rpc.${type}`),
  );
}

function retryDelayMs(details: unknown[]): number | undefined {
  for (const info of detailsOfType(details, 'RetryInfo')) {
    const ms = parseProtoDuration(info.retryDelay);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

function hasPerDayQuota(details: unknown[]): boolean {
  return detailsOfType(details, 'QuotaFailure').some((failure) =>
    (Array.isArray(failure.violations) ? failure.violations : []).some(
      (violation) =>
        isJsonObject(violation) &&
        ((typeof violation.quotaId === 'string' && /PerDay/i.test(violation.quotaId)) ||
          (typeof violation.quotaMetric === 'string' && /per_day/i.test(violation.quotaMetric))),
    ),
  );
}

function errorInfoReason(details: unknown[]): string | undefined {
  const reason = detailsOfType(details, 'ErrorInfo')[0]?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

function isApiError(error: unknown): error is Error & { status: number } {
  return (
    error instanceof Error && error.name === 'ApiError' && typeof (error as { status?: unknown }).status === 'number'
  );
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function isNetworkError(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  const code = errorCode(error) ?? errorCode(error instanceof Error ? error.cause : undefined);
  return code !== undefined && NETWORK_CODES.has(code);
}

function errorCode(error: unknown): string | undefined {
  const code: unknown = isJsonObject(error) || error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function describeNetworkError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  const causeText = cause instanceof Error ? `${errorCode(cause) ?? cause.name}: ${cause.message}` : undefined;
  return causeText ? `${message} (${causeText})` : message;
}

function failure(
  context: MapErrorContext,
  init: {
    kind: FailureKind;
    message: string;
    code?: string | undefined;
    status?: number;
    retryAfterMs?: number | undefined;
  },
): UpstreamFailure {
  return new UpstreamFailure({
    provider: 'gemini',
    kind: init.kind,
    message: redactMessage(init.message, context.secrets),
    ...(init.status !== undefined ? { status: init.status } : {}),
    // ErrorInfo.reason is upstream text, unlike the status (checked as [A-Z_]+): redacted like the message.
    ...(init.code !== undefined ? { code: redactField(init.code, context.secrets)! } : {}),
    ...(init.retryAfterMs !== undefined ? { retryAfterMs: init.retryAfterMs } : {}),
  });
}
