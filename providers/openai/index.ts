/**
 * The OpenAI passthrough: the client's request goes to OpenAI (or any OpenAI-compatible base URL) as it
 * came, and the answer comes back as it went, JSON body or chunk by chunk.
 *
 * One SDK client per provider instance, with `maxRetries: 0` because the gateway owns retries; the call's
 * signal and timeout go with every request. Everything thrown is an `UpstreamFailure`, except an abort by
 * the call's own signal, which is rethrown as the signal's reason (routing knows why it aborted).
 */
import OpenAI from 'openai';
import type { Provider, ProviderCall, ProviderResult, ProviderSettings } from '../types.ts';
import { buildJsonBody, buildStreamingBody } from './build-request-body.ts';
import { malformedResponse, mapErrorBody, mapOpenAIError, PROVIDER_NAME } from './map-error.ts';
import { parseOpenAIRateLimit } from './rate-limit.ts';
import { relayStream } from './relay-stream.ts';
import { chunkSource } from './parse-chunks.ts';
import { isUpstreamFailure } from '../upstream-failure.ts';

export { mapOpenAIError } from './map-error.ts';
export { parseOpenAIRateLimit } from './rate-limit.ts';

export const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';

export function createOpenAIProvider(settings: ProviderSettings): Provider {
  const client = new OpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL, maxRetries: 0 });
  const secrets = [settings.apiKey];

  async function chat(call: ProviderCall): Promise<ProviderResult> {
    const requestOptions = { signal: call.signal, timeout: call.timeoutMs };
    try {
      if (call.stream) {
        // The SDK sends the request and turns error statuses into APIErrors; the event stream itself is read
        // by our own parser (the SDK's costs a third of the gateway's CPU per request).
        const response = await client.chat.completions.create(buildStreamingBody(call), requestOptions).asResponse();
        if (!response.body) throw malformedResponse();
        const chunks = relayStream(chunkSource(response.body, secrets), {
          signal: call.signal,
          mapError: (error) => (isUpstreamFailure(error) ? error : mapOpenAIError(error, { secrets, phase: 'stream' })),
        });
        return withRateLimit({ type: 'stream', chunks, warnings: [] }, response.headers);
      }
      const { data, response } = await client.chat.completions
        .create(buildJsonBody(call), requestOptions)
        .withResponse();
      if (!isCompletion(data)) {
        // Some compatible servers answer 200 with an error envelope, or with nothing; never pass that on
        // as a completion.
        throw hasErrorObject(data) ? mapErrorBody(data, { secrets }) : malformedResponse();
      }
      return withRateLimit({ type: 'json', body: data, warnings: [] }, response.headers);
    } catch (error) {
      if (call.signal.aborted) throw call.signal.reason;
      throw mapOpenAIError(error, { secrets, phase: 'request' });
    }
  }

  return { name: PROVIDER_NAME, defaultModel: settings.defaultModel ?? OPENAI_DEFAULT_MODEL, chat };
}

function withRateLimit(result: ProviderResult, headers: Headers): ProviderResult {
  const rateLimit = parseOpenAIRateLimit(headers);
  return rateLimit ? { ...result, rateLimit } : result;
}

function isCompletion(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Array.isArray((value as { choices?: unknown }).choices);
}

function hasErrorObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { error?: unknown }).error === 'object';
}
