/**
 * Every error the `openai` SDK throws, as the one `UpstreamFailure` routing understands.
 *
 * What the SDK throws (node_modules/openai/src/core/error.ts, client.ts, core/streaming.ts, internal/parse.ts):
 * - an HTTP error status: `APIError` subclasses with `status`, `headers` and the envelope's `error` object;
 * - an error event inside a stream (`data: {"error":{...}}`): a plain `APIError` with `status` undefined and
 *   the 200 response's headers, thrown from the stream iterator;
 * - its own timeout: `APIConnectionTimeoutError`; a failed connection: `APIConnectionError`;
 * - a JSON body (or SSE event) that does not parse: a bare `SyntaxError`;
 * - a connection dropped while reading the body: the runtime's fetch error (undici: `TypeError: terminated`).
 *
 * Messages: upstream auth messages are never passed on, not even redacted (OpenAI's 401 quotes the key as
 * `sk-proj-****abcd`, and a masked key still identifies it). Every other message goes through
 * `redactSecrets` with the provider's own key as a known secret. SDK errors that carry upstream text (API
 * errors, JSON parse errors quoting the body) are not kept as `cause` either: loggers print causes, and the
 * raw SDK message is exactly the unredacted one. Transport errors are kept as a redacted copy of their cause
 * chain: even they can quote the key (fetch rejects a key with a stray newline with `Headers.append:
 * "Bearer sk-..." is an invalid header value`).
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { parseRetryAfter } from '../shared/parse-retry-after.ts';
import { redactField, redactSecrets } from '../shared/redact-secrets.ts';
import { isUpstreamFailure, UpstreamFailure, type FailureKind } from '../upstream-failure.ts';
import { kindFromCode, kindFromStatusAndCode } from './classify-error-code.ts';
import { parseOpenAIRateLimit, resetAfterRateLimit } from './rate-limit.ts';

export const PROVIDER_NAME = 'openai';

export interface MapErrorContext {
  /** Strings to scrub from every message, whole: the provider's API key. */
  secrets?: readonly string[];
  /**
   * `request` until the response started, `stream` while iterating chunks. A transport failure in the
   * `stream` phase is `stream_interrupted` (the answer was cut), in the `request` phase `network`.
   */
  phase?: 'request' | 'stream';
  /** Injectable clock for HTTP-date `retry-after` values. */
  now?: number;
}

const AUTH_MESSAGE = "OpenAI rejected the gateway's API key";

export function mapOpenAIError(error: unknown, context: MapErrorContext = {}): UpstreamFailure {
  if (isUpstreamFailure(error)) return error;
  const phase = context.phase ?? 'request';
  const secrets = context.secrets ?? [];

  if (error instanceof APIConnectionTimeoutError) {
    return failure({ kind: 'timeout', message: 'OpenAI did not answer in time', cause: safeCause(error, secrets) });
  }
  if (error instanceof APIUserAbortError) {
    // The provider rethrows `call.signal.reason` before mapping when the call's signal aborted; an abort
    // that reaches here came from elsewhere (e.g. the SDK cancelling its own request).
    return failure({
      kind: phase === 'stream' ? 'stream_interrupted' : 'network',
      message: 'The request to OpenAI was aborted',
      cause: safeCause(error, secrets),
    });
  }
  if (error instanceof APIConnectionError) {
    return failure({ kind: 'network', message: 'Could not connect to OpenAI', cause: safeCause(error, secrets) });
  }
  if (error instanceof APIError) return fromAPIError(error, secrets, context.now ?? Date.now());
  if (error instanceof SyntaxError) return malformedResponse();
  if (phase === 'stream') {
    return failure({
      kind: 'stream_interrupted',
      message: 'The stream from OpenAI was interrupted',
      cause: safeCause(error, secrets),
    });
  }
  return failure({ kind: 'network', message: 'The connection to OpenAI failed', cause: safeCause(error, secrets) });
}

/** A body (or stream event) that is not valid JSON, or not the JSON expected. */
export function malformedResponse(): UpstreamFailure {
  return failure({
    kind: 'server',
    code: 'malformed_response',
    message: 'OpenAI sent a response that is not valid JSON',
  });
}

/** An `{"error":{...}}` object found where a completion was expected (a 200 that is not a completion). */
export function mapErrorBody(body: unknown, context: MapErrorContext = {}): UpstreamFailure {
  const fields = readErrorObject(body, context.secrets ?? []);
  const kind = kindFromCode(fields);
  return failure({
    kind,
    code: fields.code ?? fields.type,
    param: fields.param,
    message: safeMessage(kind, fields.code, fields.message, context.secrets ?? [], 'OpenAI reported an error'),
  });
}

function fromAPIError(error: APIError, secrets: readonly string[], now: number): UpstreamFailure {
  const fields = readErrorObject(error.error, secrets);
  const type = fields.type ?? redactField(stringOrUndefined(error.type), secrets);
  const code = fields.code ?? redactField(stringOrUndefined(error.code), secrets);
  const param = fields.param ?? redactField(stringOrUndefined(error.param), secrets);
  const status = error.status;

  if (status === undefined) {
    // An error event inside a stream. Its headers belong to the 200 that started the stream, so they say
    // nothing about when to retry.
    const kind = kindFromCode({ type, code });
    return failure({
      kind,
      code: code ?? type,
      param,
      message: safeMessage(kind, code, fields.message, secrets, 'OpenAI reported an error during the stream'),
    });
  }

  const kind = kindFromStatusAndCode(status, { type, code });
  return failure({
    kind,
    status,
    code: code ?? type,
    param,
    retryAfterMs: retryAfter(kind, error.headers, now),
    message: safeMessage(kind, code, fields.message, secrets, `OpenAI answered HTTP ${status}`),
  });
}

/**
 * `retry-after-ms` / `retry-after` when OpenAI sent them; for a rate limit without them, the reset of the
 * exhausted budget. A billing failure gets none: no wait makes it pass.
 */
function retryAfter(kind: FailureKind, headers: Headers | undefined, now: number): number | undefined {
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
  return redactSecrets(upstream && upstream.trim() !== '' ? upstream : fallback, secrets);
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
  const inner = isRecord(value['error']) ? value['error'] : value;
  const out: ErrorObject = {};
  const message = stringOrUndefined(inner['message']);
  const type = redactField(stringOrUndefined(inner['type']), secrets);
  // Some compatible servers send numeric codes; keep them as text.
  const code = redactField(typeof inner['code'] === 'number' ? String(inner['code']) : stringOrUndefined(inner['code']), secrets);
  const param = redactField(stringOrUndefined(inner['param']), secrets);
  if (message !== undefined) out.message = message;
  if (type !== undefined) out.type = type;
  if (code !== undefined) out.code = code;
  if (param !== undefined) out.param = param;
  return out;
}

/** A plain Error describing `error` and its causes, with secrets removed, for debugging without leaking. */
function safeCause(error: unknown, secrets: readonly string[]): Error {
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

function failure(init: Omit<ConstructorParameters<typeof UpstreamFailure>[0], 'provider'>): UpstreamFailure {
  return new UpstreamFailure({ provider: PROVIDER_NAME, ...init });
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
