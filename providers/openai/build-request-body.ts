/**
 * The body sent to an OpenAI(-compatible) upstream: the client's own request, untouched except for what
 * routing decided (`model`, `stream`, whether a usage chunk is wanted).
 *
 * This is a passthrough, so fields the gateway does not know (new OpenAI parameters, vendor extensions of
 * compatible servers) are forwarded as they came: dropping them would silently change the answer.
 */
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionStreamOptions,
} from 'openai/resources/chat/completions';
import type { ProviderCall } from '../types.ts';

type Extra = { [field: string]: unknown };
export type OpenAIStreamingBody = ChatCompletionCreateParamsStreaming & Extra;
export type OpenAIJsonBody = ChatCompletionCreateParamsNonStreaming & Extra;

/** The body for a streamed call. `call.request` is copied, never mutated. */
export function buildStreamingBody(call: ProviderCall): OpenAIStreamingBody {
  const { stream_options: clientOptions, ...rest } = call.request;
  const body: OpenAIStreamingBody = { ...rest, model: call.model, stream: true };
  const streamOptions = streamOptionsFor(clientOptions, call.includeUsage);
  if (streamOptions) body.stream_options = streamOptions;
  return body;
}

/**
 * The body for a JSON call. `stream_options` is dropped: OpenAI rejects it without `stream: true`
 * ("The 'stream_options' parameter is only allowed when 'stream' is enabled"), and routing may have
 * turned a client's stream into a JSON call.
 */
export function buildJsonBody(call: ProviderCall): OpenAIJsonBody {
  const { stream_options: _dropped, ...rest } = call.request;
  return { ...rest, model: call.model, stream: false };
}

/**
 * `call.includeUsage` is routing's decision and wins over the client's `include_usage` either way: the
 * client may not have asked (routing needs usage for token budgets), or routing may not want the extra
 * chunk. Other stream options (e.g. `include_obfuscation`) are the client's and are kept.
 */
function streamOptionsFor(
  clientOptions: ChatCompletionStreamOptions | null | undefined,
  includeUsage: boolean,
): ChatCompletionStreamOptions | undefined {
  const options: ChatCompletionStreamOptions & Extra = isRecord(clientOptions) ? { ...clientOptions } : {};
  if (includeUsage) options.include_usage = true;
  else delete options.include_usage;
  return Object.keys(options).length > 0 ? options : undefined;
}

function isRecord(value: unknown): value is Extra {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
