/**
 * Every error the `openai` SDK throws, as the one `UpstreamFailure` routing understands. The passthrough's hot
 * path calls the upstream without the SDK (openai-failure.ts maps its answers); the SDK is used for calls off
 * the hot path, and this keeps their failures identical.
 *
 * What the SDK throws (node_modules/openai/src/core/error.ts, client.ts, core/streaming.ts, internal/parse.ts):
 * - an HTTP error status: `APIError` subclasses with `status`, `headers` and the envelope's `error` object;
 * - an error event inside a stream (`data: {"error":{...}}`): a plain `APIError` with `status` undefined and
 *   the 200 response's headers, thrown from the stream iterator;
 * - its own timeout: `APIConnectionTimeoutError`; a failed connection: `APIConnectionError`;
 * - a JSON body (or SSE event) that does not parse: a bare `SyntaxError`;
 * - a connection dropped while reading the body: the runtime's fetch error (undici: `TypeError: terminated`).
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { isUpstreamFailure, type UpstreamFailure } from '../upstream-failure.ts';
import {
  failure,
  type MapErrorContext,
  malformedResponse,
  mapStatusError,
  mapStreamErrorEvent,
  mapTransportError,
  safeCause,
} from './openai-failure.ts';

export { type MapErrorContext, malformedResponse, mapErrorBody, PROVIDER_NAME } from './openai-failure.ts';

export function mapOpenAIError(error: unknown, context: MapErrorContext): UpstreamFailure {
  if (isUpstreamFailure(error)) return error;
  const { phase, secrets } = context;

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
  if (error instanceof APIError) {
    const fallback = { type: text(error.type), code: text(error.code), param: text(error.param) };
    // No status: an error event inside a stream. Its headers belong to the 200 that started the stream, so
    // they say nothing about when to retry.
    if (error.status === undefined) return mapStreamErrorEvent({ ...fallback, ...inner(error.error) }, context);
    return mapStatusError({ status: error.status, headers: error.headers, body: error.error, fallback }, context);
  }
  if (error instanceof SyntaxError) return malformedResponse();
  return mapTransportError(error, context);
}

function inner(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const nested = record.error;
  return typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : record;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
