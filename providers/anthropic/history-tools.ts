/**
 * Anthropic refuses a request whose history holds `tool_use` / `tool_result` blocks unless it also defines
 * tools, while OpenAI accepts such a history without `tools` (a client summarising an earlier tool session).
 * When the client sent no tools, declare the ones the history used, with an open schema, and forbid new calls
 * (`tool_choice: none`), so the request means what it meant on OpenAI.
 */
import type { MessageParam, Tool, ToolChoice } from '@anthropic-ai/sdk/resources/messages/messages';

export function toolsForHistory(
  messages: readonly MessageParam[],
): { tools: Tool[]; tool_choice: ToolChoice } | undefined {
  const names = new Set<string>();
  for (const message of messages) {
    if (typeof message.content === 'string') continue;
    for (const block of message.content) if (block.type === 'tool_use') names.add(block.name);
  }
  if (names.size === 0) return undefined;
  return {
    tools: [...names].map((name) => ({ name, input_schema: { type: 'object' } })),
    tool_choice: { type: 'none' },
  };
}
