/**
 * Anthropic `Message` → OpenAI `chat.completion`.
 *
 * Text blocks are joined into `content` (null when there is no text, as OpenAI does for pure tool calls);
 * `tool_use` blocks become `tool_calls` keeping Anthropic's `toolu_…` ids, so the ids the client sends
 * back with its tool results pair up with Anthropic's on the next request. Other block types (thinking,
 * server tools) are not part of an OpenAI answer and are left out.
 */
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import type { ChatCompletion } from '../types.ts';
import { UpstreamFailure } from '../upstream-failure.ts';
import { completionId } from './completion-id.ts';
import { mapFinishReason } from './map-finish-reason.ts';
import { PROVIDER_NAME } from './provider-name.ts';
import { rememberThinking, type ThinkingBlock, type ThinkingMemory } from './thinking-memory.ts';
import { convertUsage } from './usage.ts';

export interface ConvertResponseOptions {
  /** Clock for `created`; injectable for tests. */
  now?: number;
  /** Add thinking as `message.reasoning_content` (opt-in). */
  includeReasoning?: boolean;
  thinkingMemory?: ThinkingMemory;
  /** The model the request named (what the thinking memory is keyed by); defaults to the answer's model. */
  requestedModel?: string;
}

export function convertResponse(message: Message, opts: ConvertResponseOptions = {}): ChatCompletion {
  // The SDK hands back whatever a 200 carried (a proxy's HTML page arrives as a string): check the shape.
  const shape: unknown = message;
  if (
    typeof shape !== 'object' ||
    shape === null ||
    !Array.isArray(message.content) ||
    typeof message.usage !== 'object'
  ) {
    throw new UpstreamFailure({
      provider: PROVIDER_NAME,
      kind: 'server',
      code: 'malformed_response',
      message: 'Anthropic answered 200 with something that is not a message',
    });
  }
  const texts: string[] = [];
  const toolCalls: ChatCompletionMessageFunctionToolCall[] = [];
  const thoughts: string[] = [];
  const thinkingBlocks: ThinkingBlock[] = [];
  for (const block of message.content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'thinking') {
      thoughts.push(block.thinking);
      thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    } else if (block.type === 'redacted_thinking') {
      thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
    } else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const hasToolCalls = toolCalls.length > 0;
  rememberThinking(
    opts.thinkingMemory,
    opts.requestedModel ?? message.model,
    toolCalls.map((call) => call.id),
    thinkingBlocks,
  );
  const refusal = message.stop_reason === 'refusal' ? (message.stop_details?.explanation ?? null) : null;
  const reasoning =
    opts.includeReasoning && thoughts.some((text) => text.length > 0) ? { reasoning_content: thoughts.join('') } : {};
  return {
    id: completionId(message.id),
    object: 'chat.completion',
    created: Math.floor((opts.now ?? Date.now()) / 1000),
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: texts.length > 0 ? texts.join('') : null,
          refusal,
          ...reasoning,
          ...(hasToolCalls ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: mapFinishReason(message.stop_reason, { hasToolCalls }),
      },
    ],
    usage: convertUsage(message.usage),
  };
}
