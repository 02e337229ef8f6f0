/**
 * The Gemini provider: one `GoogleGenAI` client per provider instance, one `generateContent(Stream)` call per
 * attempt, everything else delegated to the pure converters beside this file.
 *
 * SDK behaviour relied on (node_modules/@google/genai/dist/node/index.mjs, the same in dist/web):
 * - the key goes in the `x-goog-api-key` header (`NodeAuth.addKeyHeader`, `WebAuth.addAuthHeaders`), never
 *   in the URL, so URLs in logs and errors hold no secret;
 * - no retries unless `httpOptions.retryOptions` is set (`ApiClient.apiCall`: `if (!retryOptions) return
 *   runFetch()`): the gateway owns retries, so none is set;
 * - streams auto-resume with continuation tokens unless `config.automaticContinuation` is false (a hidden
 *   second request): turned off;
 * - `config.abortSignal` bounds the attempt, and `config.httpOptions.timeout` too for a JSON call. Not for a
 *   stream: the SDK's timer (`createAttemptSignal`) stays armed while a stream's body is read and is not
 *   cleared when the stream ends, so each stream kept its whole response reachable until the timer fired
 *   (the deadline, 120 s by default: about 80 MB at 240 req/s in bench/overhead/soak-memory.ts). Routing's own timers
 *   (first token, idle, deadline) abort the signal instead, and cancelOnReturn aborts it when the stream
 *   ends. An abort surfaces as an `AbortError` that does not say why, so the provider checks the caller's
 *   signal itself and rethrows its `reason` unchanged (routing owns why it aborted);
 * - returning early from the SDK's stream iterator only releases the body reader, it does not cancel the HTTP
 *   request: each stream gets its own AbortController, aborted when the consumer stops.
 */

import type { GenerateContentParameters, GenerateContentResponse } from '@google/genai';
import { GoogleGenAI } from '@google/genai';
import { cancelOnReturn } from '../shared/cancel-on-return.ts';
import type { MapErrorContext } from '../shared/map-error-context.ts';
import { preflight, preflightFailure } from '../shared/preflight.ts';
import type { Provider, ProviderCall, ProviderResult, ProviderSettings } from '../types.ts';
import { createResponseCapture, type ResponseCapture } from './capture-response.ts';
import { convertRequest } from './convert-request.ts';
import { convertResponse } from './convert-response.ts';
import { GEMINI_DEFAULT_MODEL } from './default-model.ts';
import { mapGeminiError } from './map-error.ts';
import { parseGeminiStream } from './parse-stream.ts';
import { createSignatureMemory } from './thought-signatures.ts';

export { GEMINI_DEFAULT_MODEL } from './default-model.ts';

/** One memory for every Gemini provider instance (one per key) of this process; see thought-signatures.ts. */
const signatures = createSignatureMemory();

export function createGeminiProvider(settings: ProviderSettings): Provider {
  const client = new GoogleGenAI({
    apiKey: settings.apiKey,
    // Explicit, so that GOOGLE_GENAI_USE_VERTEXAI in the environment cannot switch the backend.
    vertexai: false,
    httpOptions: {
      ...(settings.baseURL !== undefined ? { baseUrl: settings.baseURL } : {}),
      apiVersion: 'v1beta',
    },
  });
  const secrets = [settings.apiKey];

  return {
    name: 'gemini',
    defaultModel: settings.defaultModel ?? GEMINI_DEFAULT_MODEL,
    async chat(call: ProviderCall): Promise<ProviderResult> {
      if (call.signal.aborted) throw call.signal.reason;
      const { contents, config, warnings } = preflight('gemini', () =>
        convertRequest(call.request, call.model, signatures),
      );
      const includeReasoning = call.includeReasoning === true;
      const capture = createResponseCapture();
      const stopStream = new AbortController();
      const params: GenerateContentParameters = {
        model: call.model,
        contents,
        config: {
          ...config,
          abortSignal: call.stream ? AbortSignal.any([call.signal, stopStream.signal]) : call.signal,
          automaticContinuation: false,
          httpOptions: call.stream ? { fetch: capture.fetch } : { timeout: call.timeoutMs, fetch: capture.fetch },
        },
      };
      const includeLogprobs = call.request.logprobs === true;
      const fail = (error: unknown, phase: 'request' | 'stream'): unknown => {
        if (call.signal.aborted) return call.signal.reason;
        // Thrown before the SDK called fetch: its own check of what we gave it (e.g. the model name).
        if (phase === 'request' && !capture.sent) return preflightFailure('gemini', error);
        return mapGeminiError(error, errorContext(secrets, capture, phase));
      };

      if (!call.stream) {
        try {
          const response = await client.models.generateContent(params);
          return {
            type: 'json',
            body: convertResponse(response, { model: call.model, includeLogprobs, includeReasoning, signatures }),
            warnings,
          };
        } catch (error) {
          throw fail(error, 'request');
        }
      }

      let upstream: AsyncGenerator<GenerateContentResponse>;
      try {
        upstream = await client.models.generateContentStream(params);
      } catch (error) {
        stopStream.abort();
        throw fail(error, 'request');
      }
      const chunks = parseGeminiStream(upstream, {
        model: call.model,
        includeUsage: call.includeUsage,
        includeLogprobs,
        includeReasoning,
        signatures,
      });
      // The upstream request is cancelled however the iteration ends, which also releases the SDK's signal.
      const source = { controller: stopStream, [Symbol.asyncIterator]: () => chunks };
      const relayed = cancelOnReturn(source, { signal: call.signal, mapError: (error) => fail(error, 'stream') });
      return { type: 'stream', chunks: relayed, warnings };
    },
  };
}

function errorContext(
  secrets: readonly string[],
  capture: ResponseCapture,
  phase: MapErrorContext['phase'],
): MapErrorContext {
  return capture.errorHeaders ? { secrets, phase, headers: capture.errorHeaders } : { secrets, phase };
}
