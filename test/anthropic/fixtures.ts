/**
 * Anthropic `Message` objects shaped exactly as the SDK types them (resources/messages/messages.d.ts), for
 * the pure converters' tests.
 */
import type { ContentBlock, Message, StopReason, Usage } from '@anthropic-ai/sdk/resources/messages/messages';

export function usage(fields: Partial<Usage> = {}): Usage {
  return {
    input_tokens: 10,
    output_tokens: 5,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_creation: null,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'standard',
    speed: null,
    ...fields,
  };
}

export function message(
  content: ContentBlock[],
  stopReason: StopReason | null = 'end_turn',
  fields: Partial<Message> = {},
): Message {
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: usage(),
    ...fields,
  };
}

export function text(value: string): ContentBlock {
  return { type: 'text', text: value, citations: null };
}

export function toolUse(id: string, name: string, input: unknown): ContentBlock {
  return { type: 'tool_use', id, name, input, caller: { type: 'direct' } };
}
