/**
 * OpenAI answers that failed, as the one `UpstreamFailure` routing understands — without the `openai` SDK, so
 * the passthrough never loads it (it calls OpenAI through the plain HTTP transport).
 *
 * Messages: upstream auth messages are never passed on, not even redacted (OpenAI's 401 quotes the key as
 * `sk-proj-****abcd`, and a masked key still identifies it). Every other message goes through
 * `redactMessage` with the provider's own key as a known secret, capped like every provider's. Errors that
 * carry upstream text are not kept as `cause` either: loggers print causes. Transport errors are kept as a
 * redacted copy of their cause chain: even they can quote the key (fetch rejects a key with a stray newline
 * with `Headers.append: "Bearer sk-..." is an invalid header value`).
 */

import type { HeaderReader } from '../shared/http-transport.ts';
import type { MapErrorContext } from '../shared/map-error-context.ts';
import { parseRetryAfter } from '../shared/parse-retry-after.ts';
import { redactField, redactMessage, redactSecrets } from '../shared/redact-secrets.ts';
import { type FailureKind, UpstreamFailure } from '../upstream-failure.ts';
import { kindFromCode, kindFromStatusAndCode } from './classify-error-code.ts';
import { parseOpenAIRateLimit, resetAfterRateLimit } from './rate-limit.ts';

export const PROVIDER_NAME = 'openai';

export type { MapErrorContext } from '../shared/map-error-context.ts';

const AUTH_MESSAGE = "OpenAI rejected the gateway's API key";

/** A body (or stream event) that is not valid JSON, or not the JSON expected. */
export function malformedResponse(): UpstreamFailure {
  return failure({
    kind: 'server',
    code: 'malformed_response',
    message: 'OpenAI sent a response that is not valid JSON',
  });
}

/**
 * A stream that ended cleanly without any finish reason was truncated (a proxy closing the connection
 * gracefully, a server dying between events): that is an interrupted stream, not success.
 */
export function missingFinishReason(): UpstreamFailure {
  return failure({
    kind: 'stream_interrupted',
    code: 'missing_finish_reason',
    message: 'The stream from OpenAI ended before the answer was finished',
  });
}

/** An `{"error":{...}}` object found where a completion was expected (a 200 that is not a completion). */
export function mapErrorBody(body: unknown, context: MapErrorContext): UpstreamFailure {
  return fromErrorObject(body, context, 'OpenAI reported an error');
}

/** An error inside a stream (`data: {"error":...}` after the 200): no status, so the kind comes from the codes. */
export function mapStreamErrorEvent(body: unknown, context: MapErrorContext): UpstreamFailure {
  return fromErrorObject(body, context, 'OpenAI reported an error during the stream');
}

function fromErrorObject(body: unknown, context: MapErrorContext, fallback: string): UpstreamFailure {
  const { secrets } = context;
  const fields = readErrorObject(body, secrets);
  const kind = kindFromCode(fields);
  return failure({
    kind,
    code: fields.code ?? fields.type,
    param: fields.param,
    message: safeMessage(kind, fields.code, fields.message, secrets, fallback),
  });
}

/** An HTTP error answer: its status, headers and parsed body. */
export interface StatusErrorInit {
  status: number;
  headers: HeaderReader | undefined;
  /** The response body: the `{"error":{...}}` envelope, its inner object, or anything else. */
  body: unknown;
}

/** An HTTP error status from OpenAI (or a compatible server). */
export function mapStatusError(init: StatusErrorInit, context: MapErrorContext): UpstreamFailure {
  const { secrets } = context;
  const fields = readErrorObject(init.body, secrets);
  const { type, code, param } = fields;
  const kind = kindFromStatusAndCode(init.status, { type, code });
  return failure({
    kind,
    status: init.status,
    code: code ?? type,
    param,
    retryAfterMs: retryAfter(kind, init.headers, context.now ?? Date.now()),
    message: safeMessage(kind, code, fields.message, secrets, `OpenAI answered HTTP ${init.status}`),
  });
}

/**
 * A failure of the HTTP call itself (connection refused or reset, DNS, a body cut mid-read) from `fetch` or
 * undici. Aborts by the call's own signal never get here: the provider rethrows the signal's reason.
 */
export function mapTransportError(error: unknown, context: MapErrorContext): UpstreamFailure {
  const { secrets } = context;
  if (context.phase === 'stream') {
    return failure({
      kind: 'stream_interrupted',
      message: 'The stream from OpenAI was interrupted',
      cause: safeCause(error, secrets),
    });
  }
  return failure({ kind: 'network', message: 'The connection to OpenAI failed', cause: safeCause(error, secrets) });
}

/**
 * `retry-after-ms` / `retry-after` when OpenAI sent them; for a rate limit without them, the reset of the
 * exhausted budget. A billing failure gets none: no wait makes it pass.
 */
function retryAfter(kind: FailureKind, headers: HeaderReader | undefined, now: number): number | undefined {
  if (!headers || kind === 'quota_exhausted') return undefined;
  const said = parseRetryAfter(headers, now);
  if (said !== undefined) return said;
  return kind === 'rate_limit' ? resetAfterRateLimit(parseOpenAIRateLimit(headers)) : undefined;
}

function safeMessage(
  kind: FailureKind,
  code: string | undefined,
  upstream: string | undefined,
  secrets: readonly string[],
  fallback: string,
): string {
  if (kind === 'auth' || code === 'invalid_api_key') return AUTH_MESSAGE;
  return redactMessage(upstream && upstream.trim() !== '' ? upstream : fallback, secrets);
}

interface ErrorObject {
  message?: string;
  type?: string;
  code?: string;
  param?: string;
}

/**
 * The envelope's inner object, whether given the envelope or the object; only string fields are kept, and
 * `type`, `code` and `param` are redacted like the message (an upstream can echo the key in any of them).
 */
function readErrorObject(value: unknown, secrets: readonly string[]): ErrorObject {
  if (!isRecord(value)) return {};
  const inner = isRecord(value.error) ? value.error : value;
  const out: ErrorObject = {};
  const message = stringOrUndefined(inner.message);
  const type = redactField(stringOrUndefined(inner.type), secrets);
  // Some compatible servers send numeric codes; keep them as text.
  const code = redactField(
    typeof inner.code === 'number' ? String(inner.code) : stringOrUndefined(inner.code),
    secrets,
  );
  const param = redactField(stringOrUndefined(inner.param), secrets);
  if (message !== undefined) out.message = message;
  if (type !== undefined) out.type = type;
  if (code !== undefined) out.code = code;
  if (param !== undefined) out.param = param;
  return out;
}

/** A plain Error describing `error` and its causes, with secrets removed, for debugging without leaking. */
export function safeCause(error: unknown, secrets: readonly string[]): Error {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      parts.push(`${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return new Error(redactSecrets(parts.join(' <- '), secrets));
}

export function failure(init: Omit<ConstructorParameters<typeof UpstreamFailure>[0], 'provider'>): UpstreamFailure {
  return new UpstreamFailure({ provider: PROVIDER_NAME, ...init });
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
