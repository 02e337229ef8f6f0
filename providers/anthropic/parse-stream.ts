/**
 * Anthropic raw stream events → OpenAI `chat.completion.chunk` objects, in OpenAI's exact shape.
 *
 * Anthropic (https://platform.claude.com/docs/en/build-with-claude/streaming; RawMessageStreamEvent in
 * @anthropic-ai/sdk resources/messages/messages.ts): message_start (input usage), then per content block
 * content_block_start / content_block_delta (text_delta, input_json_delta whose first fragment may be
 * empty, thinking_delta, signature_delta) / content_block_stop, then message_delta (stop_reason,
 * stop_details, cumulative usage) and message_stop. The SDK drops `ping` and throws `event: error` frames as
 * an APIError, which simply propagates from here.
 *
 * OpenAI: one id for the whole stream; the first delta is {role: 'assistant', content: ''}; a tool call
 * starts with {index, id, type, function: {name, arguments: ''}} and continues with {index, function:
 * {arguments}} under the same index (0-based among tool calls, not Anthropic's block index); a last chunk
 * with an empty delta carries finish_reason; with include_usage every chunk has `usage: null` and a final
 * chunk with `choices: []` carries the usage. `[DONE]` is the HTTP layer's business.
 *
 * What the client can rely on:
 * - the argument fragments of every tool call concatenate to a JSON object (`{}` for a call without
 *   arguments, where Anthropic streams only an empty fragment);
 * - a refusal's explanation (`stop_details.explanation`) arrives as a `refusal` delta before the
 *   `content_filter` finish;
 * - thinking (`reasoning_content` deltas) only when the request opted in; redacted thinking never.
 *
 * A stream that breaks the protocol is a failure, never a well-formed-looking answer: a different message
 * starting while one is open, a second message_start after content began, a block event for a block that is
 * not open, an unknown event inside a block, a tool call whose arguments do not close into JSON, message_delta
 * or message_stop while a block is open, or no message_stop at all. All are `stream_interrupted`: before the
 * commit point routing retries them, after it the client gets the OpenAI error event.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatCompletionChunk } from '../types.ts';
import { UpstreamFailure } from '../upstream-failure.ts';
import { completionId } from './completion-id.ts';
import { mapFinishReason, type OpenAIFinishReason } from './map-finish-reason.ts';
import { PROVIDER_NAME } from './provider-name.ts';
import { rememberThinking, type ThinkingBlock, type ThinkingMemory } from './thinking-memory.ts';
import { type AnthropicUsageLike, convertUsage } from './usage.ts';

export interface ParseStreamOptions {
  /** Add `usage: null` to every chunk and end with a `choices: []` usage chunk. */
  includeUsage: boolean;
  /** The model asked for, reported until message_start names the one that answers. */
  model: string;
  /** Surface thinking as `reasoning_content` deltas (opt-in; off, the client sees what OpenAI would send). */
  includeReasoning?: boolean;
  /** Where the turn's thinking blocks are kept for the next request, when the turn calls tools. */
  thinkingMemory?: ThinkingMemory;
  /** Clock for `created`; injectable for tests. */
  now?: number;
}

/** An OpenAI delta plus the `reasoning_content` extension compatible servers use. */
type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };

type BlockState =
  | { kind: 'text' }
  | { kind: 'tool'; index: number; id: string; initialInput: unknown; args: string }
  | { kind: 'thinking'; thinking: string; signature: string }
  | { kind: 'redacted'; data: string }
  /** Server tools and block types this gateway does not translate: tracked only to check the protocol. */
  | { kind: 'other' };

const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
]);

export async function* parseStream(
  events: AsyncIterable<RawMessageStreamEvent>,
  opts: ParseStreamOptions,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  let id = '';
  let messageId: string | undefined;
  let model = opts.model;
  const created = Math.floor((opts.now ?? Date.now()) / 1000);
  const open = new Map<number, BlockState>();
  const toolUseIds: string[] = [];
  const thinkingBlocks: ThinkingBlock[] = [];
  let usage: AnthropicUsageLike = {};
  let stopReason: string | null = null;
  let refusal: string | undefined;
  let started = false;
  let contentBegan = false;
  let stopped = false;

  const chunk = (delta: Delta, finishReason: OpenAIFinishReason | null = null): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(opts.includeUsage ? { usage: null } : {}),
  });
  const blockFor = (index: number, event: string): BlockState => {
    const block = open.get(index);
    if (!block) throw protocolViolation(`${event} for content block ${index}, which is not open`);
    return block;
  };

  for await (const event of events) {
    if (stopped) continue; // nothing follows message_stop; read on so the SDK sees a complete response
    if (!started) {
      started = true;
      if (event.type === 'message_start') {
        messageId = event.message.id;
        id = completionId(event.message.id);
        model = event.message.model || opts.model;
        usage = { ...event.message.usage };
      } else {
        id = completionId(undefined); // out of protocol, but the client still needs its role chunk first
      }
      yield chunk({ role: 'assistant', content: '' });
      if (event.type === 'message_start') {
        // message_start may already hold finished blocks (recorded: code execution results followed by a client
        // tool call, vercel/ai anthropic-message-start-prepopulated-content); they are part of the answer.
        stopReason = event.message.stop_reason ?? null;
        for (const block of event.message.content) {
          contentBegan = true;
          if (block.type === 'text' && block.text.length > 0) yield chunk({ content: block.text });
          else if (block.type === 'thinking') {
            thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
            if (opts.includeReasoning && block.thinking.length > 0) yield chunk({ reasoning_content: block.thinking });
          } else if (block.type === 'redacted_thinking') {
            thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
          } else if (block.type === 'tool_use') {
            const index = toolUseIds.length;
            toolUseIds.push(block.id);
            const args = JSON.stringify(isObject(block.input) ? block.input : {});
            yield chunk({
              tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: args } }],
            });
          }
        }
        continue;
      }
    }
    const type: string = event.type;
    if (!KNOWN_EVENTS.has(type)) {
      if (open.size > 0) throw protocolViolation(`unknown event '${type}' inside a content block`);
      continue; // between blocks, a new event type is forward compatibility, not damage
    }

    switch (event.type) {
      case 'message_start':
        // The same message announced again before any content (seen from Anthropic, vercel/ai issue 18331):
        // harmless, and its usage is the one that counts. Anything else is two answers spliced together.
        if (contentBegan || event.message.id !== messageId) {
          throw protocolViolation(
            `a second message_start (${event.message.id}) inside message ${messageId ?? '(none)'}`,
          );
        }
        usage = { ...event.message.usage };
        break;
      case 'content_block_start': {
        contentBegan = true;
        if (open.has(event.index)) throw protocolViolation(`content block ${event.index} started twice`);
        const block = event.content_block;
        if (block.type === 'text') {
          open.set(event.index, { kind: 'text' });
          if (block.text.length > 0) yield chunk({ content: block.text });
        } else if (block.type === 'tool_use') {
          const index = toolUseIds.length;
          toolUseIds.push(block.id);
          open.set(event.index, { kind: 'tool', index, id: block.id, initialInput: block.input, args: '' });
          yield chunk({
            tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }],
          });
        } else if (block.type === 'thinking') {
          open.set(event.index, { kind: 'thinking', thinking: block.thinking, signature: block.signature ?? '' });
          if (opts.includeReasoning && block.thinking.length > 0) yield chunk({ reasoning_content: block.thinking });
        } else if (block.type === 'redacted_thinking') {
          open.set(event.index, { kind: 'redacted', data: block.data });
        } else {
          open.set(event.index, { kind: 'other' });
        }
        break;
      }
      case 'content_block_delta': {
        const block = blockFor(event.index, 'content_block_delta');
        const delta = event.delta;
        if (delta.type === 'text_delta' && block.kind === 'text' && delta.text.length > 0) {
          yield chunk({ content: delta.text });
        } else if (delta.type === 'input_json_delta' && block.kind === 'tool' && delta.partial_json.length > 0) {
          block.args += delta.partial_json;
          yield chunk({ tool_calls: [{ index: block.index, function: { arguments: delta.partial_json } }] });
        } else if (delta.type === 'thinking_delta' && block.kind === 'thinking') {
          block.thinking += delta.thinking;
          if (opts.includeReasoning && delta.thinking.length > 0) yield chunk({ reasoning_content: delta.thinking });
        } else if (delta.type === 'signature_delta' && block.kind === 'thinking') {
          block.signature += delta.signature;
        }
        break;
      }
      case 'content_block_stop': {
        const block = blockFor(event.index, 'content_block_stop');
        open.delete(event.index);
        if (block.kind === 'tool') {
          const rest = closingArguments(block);
          if (rest.length > 0) yield chunk({ tool_calls: [{ index: block.index, function: { arguments: rest } }] });
        } else if (block.kind === 'thinking') {
          thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
        } else if (block.kind === 'redacted') {
          thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
        }
        break;
      }
      case 'message_delta':
        if (open.size > 0) throw protocolViolation('message_delta while a content block is open');
        stopReason = event.delta.stop_reason ?? stopReason;
        refusal = event.delta.stop_details?.explanation ?? refusal;
        usage = mergeUsage(usage, event.usage);
        break;
      case 'message_stop': {
        if (open.size > 0) throw protocolViolation('message_stop while a content block is open');
        stopped = true;
        if (stopReason === 'refusal' && refusal) yield chunk({ refusal });
        rememberThinking(opts.thinkingMemory, opts.model, toolUseIds, thinkingBlocks);
        yield chunk({}, mapFinishReason(stopReason, { hasToolCalls: toolUseIds.length > 0 }));
        if (opts.includeUsage) {
          yield { id, object: 'chat.completion.chunk', created, model, choices: [], usage: convertUsage(usage) };
        }
        break;
      }
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

/**
 * What still has to be sent when a tool call's block closes, so that its fragments make a JSON object: the
 * input given whole in content_block_start when no fragment followed, `{}` when there was nothing at all.
 * Fragments that do not close into a JSON object mean the call was cut: a protocol failure.
 */
function closingArguments(block: { args: string; initialInput: unknown; id: string }): string {
  if (block.args.trim() === '')
    return block.args === '' ? JSON.stringify(isObject(block.initialInput) ? block.initialInput : {}) : '{}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(block.args);
  } catch {
    throw protocolViolation(`tool call ${block.id} ended with arguments that are not valid JSON`);
  }
  if (!isObject(parsed))
    throw protocolViolation(`tool call ${block.id} ended with arguments that are not a JSON object`);
  return '';
}

function protocolViolation(detail: string): UpstreamFailure {
  return new UpstreamFailure({
    provider: PROVIDER_NAME,
    kind: 'stream_interrupted',
    code: 'protocol_violation',
    message: `Anthropic stream broke protocol: ${detail}`,
  });
}

/** message_delta usage is cumulative; its null fields mean "unchanged". */
function mergeUsage(current: AnthropicUsageLike, update: AnthropicUsageLike): AnthropicUsageLike {
  const merged: AnthropicUsageLike = { ...current };
  if (update.input_tokens != null) merged.input_tokens = update.input_tokens;
  if (update.output_tokens != null) merged.output_tokens = update.output_tokens;
  if (update.cache_read_input_tokens != null) merged.cache_read_input_tokens = update.cache_read_input_tokens;
  if (update.cache_creation_input_tokens != null)
    merged.cache_creation_input_tokens = update.cache_creation_input_tokens;
  if (update.output_tokens_details != null) merged.output_tokens_details = update.output_tokens_details;
  return merged;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
