/**
 * Anthropic raw stream events → OpenAI `chat.completion.chunk` objects, in OpenAI's exact shape.
 *
 * Anthropic (https://platform.claude.com/docs/en/build-with-claude/streaming; RawMessageStreamEvent in
 * @anthropic-ai/sdk resources/messages/messages.ts): message_start (input usage), then per content block
 * content_block_start / content_block_delta (text_delta, input_json_delta whose first fragment may be
 * empty) / content_block_stop, then message_delta (stop_reason, cumulative usage) and message_stop. The
 * SDK drops `ping` and throws `event: error` frames as an APIError, which simply propagates from here.
 *
 * OpenAI: one id for the whole stream; the first delta is {role: 'assistant', content: ''}; a tool call
 * starts with {index, id, type, function: {name, arguments: ''}} and continues with {index, function:
 * {arguments}} under the same index (0-based among tool calls, not Anthropic's block index); a last chunk
 * with an empty delta carries finish_reason; with include_usage every chunk has `usage: null` and a final
 * chunk with `choices: []` carries the usage. `[DONE]` is the HTTP layer's business.
 *
 * A stream that ends without message_stop was cut: that is an UpstreamFailure, never a silent clean end.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatCompletionChunk } from '../types.ts';
import { UpstreamFailure } from '../upstream-failure.ts';
import { completionId } from './completion-id.ts';
import { mapFinishReason, type OpenAIFinishReason } from './map-finish-reason.ts';
import { PROVIDER_NAME } from './unsupported.ts';
import { type AnthropicUsageLike, convertUsage } from './usage.ts';

export interface ParseStreamOptions {
  /** Add `usage: null` to every chunk and end with a `choices: []` usage chunk. */
  includeUsage: boolean;
  /** The model asked for, reported until message_start names the one that answers. */
  model: string;
  /** Clock for `created`; injectable for tests. */
  now?: number;
}

type Delta = ChatCompletionChunk.Choice.Delta;

interface ToolCallState {
  /** Position among the answer's tool calls: OpenAI's `index`. */
  index: number;
  /** Input sent whole in content_block_start, used only if no input_json_delta follows. */
  initialInput: unknown;
  sawDelta: boolean;
}

export async function* parseStream(
  events: AsyncIterable<RawMessageStreamEvent>,
  opts: ParseStreamOptions,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  let id = '';
  let model = opts.model;
  const created = Math.floor((opts.now ?? Date.now()) / 1000);
  const toolCalls = new Map<number, ToolCallState>();
  let usage: AnthropicUsageLike = {};
  let stopReason: string | null = null;
  let started = false;
  let stopped = false;

  const chunk = (delta: Delta, finishReason: OpenAIFinishReason | null = null): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(opts.includeUsage ? { usage: null } : {}),
  });

  for await (const event of events) {
    if (stopped) continue; // nothing follows message_stop; read on so the SDK sees a complete response
    if (!started) {
      started = true;
      if (event.type === 'message_start') {
        id = completionId(event.message.id);
        model = event.message.model || opts.model;
        usage = { ...event.message.usage };
      } else {
        id = completionId(undefined); // out of protocol, but the client still needs its role chunk first
      }
      yield chunk({ role: 'assistant', content: '' });
      if (event.type === 'message_start') continue;
    }

    switch (event.type) {
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text' && block.text.length > 0) yield chunk({ content: block.text });
        if (block.type === 'tool_use') {
          const index = toolCalls.size;
          toolCalls.set(event.index, { index, initialInput: block.input, sawDelta: false });
          yield chunk({ tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] });
        }
        break;
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta.type === 'text_delta' && delta.text.length > 0) yield chunk({ content: delta.text });
        if (delta.type === 'input_json_delta' && delta.partial_json.length > 0) {
          const state = toolCalls.get(event.index);
          if (state) {
            state.sawDelta = true;
            yield chunk({ tool_calls: [{ index: state.index, function: { arguments: delta.partial_json } }] });
          }
        }
        break;
      }
      case 'content_block_stop': {
        const state = toolCalls.get(event.index);
        if (state && !state.sawDelta && isNonEmptyObject(state.initialInput)) {
          yield chunk({ tool_calls: [{ index: state.index, function: { arguments: JSON.stringify(state.initialInput) } }] });
        }
        break;
      }
      case 'message_delta':
        stopReason = event.delta.stop_reason ?? stopReason;
        usage = mergeUsage(usage, event.usage);
        break;
      case 'message_stop': {
        stopped = true;
        yield chunk({}, mapFinishReason(stopReason, { hasToolCalls: toolCalls.size > 0 }));
        if (opts.includeUsage) {
          yield { id, object: 'chat.completion.chunk', created, model, choices: [], usage: convertUsage(usage) };
        }
        break;
      }
      default:
        break; // message_start repeated, or event types this gateway does not translate
    }
  }

  if (!stopped) {
    throw new UpstreamFailure({
      provider: PROVIDER_NAME,
      kind: 'stream_interrupted',
      code: 'stream_interrupted',
      message: 'Anthropic stream ended before message_stop',
    });
  }
}

/** message_delta usage is cumulative; its null fields mean "unchanged". */
function mergeUsage(current: AnthropicUsageLike, update: AnthropicUsageLike): AnthropicUsageLike {
  const merged: AnthropicUsageLike = { ...current };
  if (update.input_tokens != null) merged.input_tokens = update.input_tokens;
  if (update.output_tokens != null) merged.output_tokens = update.output_tokens;
  if (update.cache_read_input_tokens != null) merged.cache_read_input_tokens = update.cache_read_input_tokens;
  if (update.cache_creation_input_tokens != null) merged.cache_creation_input_tokens = update.cache_creation_input_tokens;
  if (update.output_tokens_details != null) merged.output_tokens_details = update.output_tokens_details;
  return merged;
}

function isNonEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}
