/**
 * The Anthropic provider: OpenAI chat requests served by the Messages API through the official SDK.
 *
 * One SDK client per provider instance, with `maxRetries: 0` (routing owns retries). Each call gets the
 * routing's signal and timeout. Streams use the raw `stream: true` event stream (not the accumulating
 * `.stream()` helper) so chunks go out as they arrive. When the SDK fails because routing aborted the
 * call, we rethrow the signal's reason unchanged: why it aborted is routing's knowledge, not ours.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import { cancelOnReturn } from '../shared/cancel-on-return.ts';
import { preflight } from '../shared/preflight.ts';
import type { ChatCompletionChunk, Provider, ProviderCall, ProviderResult, ProviderSettings } from '../types.ts';
import { convertRequest } from './convert-request.ts';
import { convertResponse } from './convert-response.ts';
import { ANTHROPIC_DEFAULT_MODEL } from './default-model.ts';
import { mapAnthropicError } from './map-error.ts';
import { parseStream } from './parse-stream.ts';
import { PROVIDER_NAME } from './provider-name.ts';
import { parseRateLimit } from './rate-limit.ts';
import { createThinkingMemory } from './thinking-memory.ts';

export { ANTHROPIC_DEFAULT_MODEL } from './default-model.ts';

/**
 * One memory for every Anthropic provider instance of this process (one instance per key): the turn that
 * called the tools and the turn that answers them may well use different keys.
 */
const thinkingMemory = createThinkingMemory();

export function createAnthropicProvider(settings: ProviderSettings): Provider {
  const apiKey = settings.apiKey;
  const secrets = [apiKey];
  // logLevel off: the SDK would print unparseable stream data (model output, possibly personal data) to the
  // console; every failure reaches the gateway's own logs as an UpstreamFailure instead.
  const client = new Anthropic({ apiKey, baseURL: settings.baseURL, maxRetries: 0, logLevel: 'off' });

  async function chat(call: ProviderCall): Promise<ProviderResult> {
    // Throws unsupported_parameter before any network call when Anthropic cannot serve the request; a
    // translator bug is a preflight failure too, never Anthropic's.
    const { params, warnings } = preflight(PROVIDER_NAME, () =>
      convertRequest(call.request, call.model, { stream: call.stream, thinkingMemory }),
    );
    const includeReasoning = call.includeReasoning === true;
    const options = { signal: call.signal, timeout: call.timeoutMs };
    try {
      if (!params.stream) {
        const { data, response } = await client.messages.create(params, options).withResponse();
        const rateLimit = parseRateLimit(response.headers);
        return {
          type: 'json',
          body: convertResponse(data, { includeReasoning, thinkingMemory, requestedModel: call.model }),
          warnings,
          ...(rateLimit ? { rateLimit } : {}),
        };
      }
      const { data: events, response } = await client.messages.create(params, options).withResponse();
      const rateLimit = parseRateLimit(response.headers);
      const chunks = translatedChunks(events, events.controller, call, secrets);
      return { type: 'stream', chunks, warnings, ...(rateLimit ? { rateLimit } : {}) };
    } catch (error) {
      if (call.signal.aborted) throw call.signal.reason;
      throw mapAnthropicError(error, { secrets, phase: 'request' });
    }
  }

  return { name: PROVIDER_NAME, defaultModel: settings.defaultModel ?? ANTHROPIC_DEFAULT_MODEL, chat };
}

/**
 * The chunk iterable handed to routing: translated as the events arrive; failures become UpstreamFailures
 * (or the signal's reason when routing aborted), and the upstream HTTP request is cancelled however the
 * iteration ends (cancel-on-return.ts).
 */
function translatedChunks(
  events: AsyncIterable<RawMessageStreamEvent>,
  controller: AbortController,
  call: ProviderCall,
  secrets: readonly string[],
): AsyncIterable<ChatCompletionChunk> {
  const options = {
    includeUsage: call.includeUsage,
    model: call.model,
    includeReasoning: call.includeReasoning === true,
    thinkingMemory,
  };
  const source = { controller, [Symbol.asyncIterator]: () => parseStream(events, options) };
  return cancelOnReturn(source, {
    signal: call.signal,
    mapError: (error) => mapAnthropicError(error, { secrets, phase: 'stream' }),
  });
}
