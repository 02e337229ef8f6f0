/**
 * The OpenAI passthrough: the client's request goes to OpenAI (or any OpenAI-compatible base URL) as it
 * came, and the answer comes back as it went — the upstream's JSON text, or its event stream byte for byte.
 *
 * One HTTP call per attempt through the injected transport (undici on Node, fetch elsewhere), without the
 * `openai` SDK: on the hot path the SDK's request building and response wrapping cost more than the rest of
 * the gateway (profiled; see README "Benchmarks"). The gateway owns retries and timeouts; the call's signal
 * aborts the request. Everything thrown is an `UpstreamFailure`, except an abort by the call's own signal,
 * which is rethrown as the signal's reason (routing knows why it aborted).
 */

import { cancelOnReturn } from '../shared/cancel-on-return.ts';
import { fetchTransport, type TransportResponse } from '../shared/http-transport.ts';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  Provider,
  ProviderCall,
  ProviderResult,
  ProviderSettings,
  RawSseBatch,
} from '../types.ts';
import { isUpstreamFailure } from '../upstream-failure.ts';
import { buildJsonBody, buildStreamingBody } from './build-request-body.ts';
import { openaiKeyCheck } from './check-key.ts';
import {
  type MapErrorContext,
  malformedResponse,
  mapErrorBody,
  mapStatusError,
  mapTransportError,
  missingFinishReason,
  PROVIDER_NAME,
} from './openai-failure.ts';
import { parseChunks } from './parse-chunks.ts';
import { parseOpenAIRateLimit } from './rate-limit.ts';
import { readSseBatches } from './read-sse-batches.ts';

export { parseOpenAIRateLimit } from './rate-limit.ts';

export const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';
const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export function createOpenAIProvider(settings: ProviderSettings): Provider {
  const transport = settings.transport ?? fetchTransport;
  const url = `${(settings.baseURL ?? OPENAI_BASE_URL).replace(/\/+$/, '')}/chat/completions`;
  const authorization = `Bearer ${settings.apiKey}`;
  const secrets = [settings.apiKey];
  const requestContext: MapErrorContext = { secrets, phase: 'request' };
  const streamContext: MapErrorContext = { secrets, phase: 'stream' };

  async function chat(call: ProviderCall): Promise<ProviderResult> {
    let response: TransportResponse | undefined;
    try {
      response = await transport({
        url,
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/json',
          accept: call.stream ? 'text/event-stream' : 'application/json',
        },
        body: JSON.stringify(call.stream ? buildStreamingBody(call) : buildJsonBody(call)),
        signal: call.signal,
      });
      if (response.status >= 400) throw await statusFailure(response);
      if (!call.stream) return await jsonResult(response);
      if (!isEventStream(response)) throw await notAStream(response);
      return streamResult(response, call);
    } catch (error) {
      response?.cancel();
      if (call.signal.aborted) throw call.signal.reason;
      if (isUpstreamFailure(error)) throw error;
      throw mapTransportError(error, requestContext);
    }
  }

  async function statusFailure(response: TransportResponse) {
    const text = await response.text();
    return mapStatusError(
      { status: response.status, headers: response.headers, body: parseOrUndefined(text) },
      requestContext,
    );
  }

  /** A JSON answer: relayed as the upstream's own text; parsed once for what routing reads (usage, choices). */
  async function jsonResult(response: TransportResponse): Promise<ProviderResult> {
    const raw = await response.text();
    const body = parseOrUndefined(raw);
    // Some compatible servers answer 200 with an error envelope, or with nothing; never pass that on as a
    // completion.
    if (!isCompletion(body)) throw hasErrorObject(body) ? mapErrorBody(body, requestContext) : malformedResponse();
    return { type: 'json', body, raw, warnings: [], ...rateLimitOf(response) };
  }

  /** A 200 that is not an event stream where one was asked for: an error envelope, or a server that cannot stream. */
  async function notAStream(response: TransportResponse) {
    const body = parseOrUndefined(await response.text());
    return hasErrorObject(body) ? mapErrorBody(body, requestContext) : malformedResponse();
  }

  function streamResult(response: TransportResponse, call: ProviderCall): ProviderResult {
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => response.cancel(), { once: true });
    const mapError = (error: unknown) => (isUpstreamFailure(error) ? error : mapTransportError(error, streamContext));
    if (call.relay) {
      const source = { controller, [Symbol.asyncIterator]: () => readSseBatches(response.body, streamContext) };
      const batches = cancelOnReturn<RawSseBatch>(source, {
        signal: call.signal,
        mapError,
        mustFinish: { finishes: (batch) => batch.finish || batch.done, cutShort: missingFinishReason },
      });
      return { type: 'sse', batches, warnings: [], ...rateLimitOf(response) };
    }
    const source = { controller, [Symbol.asyncIterator]: () => parseChunks(response.body, streamContext) };
    const chunks = cancelOnReturn<ChatCompletionChunk>(source, {
      signal: call.signal,
      mapError,
      mustFinish: { finishes: hasFinishReason, cutShort: missingFinishReason },
    });
    return { type: 'stream', chunks, warnings: [], ...rateLimitOf(response) };
  }

  return {
    name: PROVIDER_NAME,
    defaultModel: settings.defaultModel ?? OPENAI_DEFAULT_MODEL,
    passthrough: true,
    chat,
    checkKey: openaiKeyCheck({ ...settings, transport }),
  };
}

function rateLimitOf(response: TransportResponse) {
  const rateLimit = parseOpenAIRateLimit(response.headers);
  return rateLimit ? { rateLimit } : {};
}

function hasFinishReason(chunk: ChatCompletionChunk): boolean {
  return chunk.choices?.some((choice) => choice.finish_reason != null) ?? false;
}

function isEventStream(response: TransportResponse): boolean {
  return response.headers.get('content-type')?.includes('text/event-stream') ?? true;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isCompletion(value: unknown): value is ChatCompletion {
  return typeof value === 'object' && value !== null && Array.isArray((value as { choices?: unknown }).choices);
}

function hasErrorObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { error?: unknown }).error === 'object';
}
