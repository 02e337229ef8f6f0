/**
 * OpenAI `tools`, `tool_choice` and `parallel_tool_calls` → Anthropic `tools` and `tool_choice`.
 *
 * Anthropic tool schemas must be JSON Schema objects with `type: "object"` (Tool.InputSchema in
 * @anthropic-ai/sdk resources/messages/messages.ts); OpenAI allows `parameters` to be omitted for a
 * function without arguments. `parallel_tool_calls: false` lives on Anthropic's tool_choice as
 * `disable_parallel_tool_use`, so it needs a tool_choice even when the client sent none.
 */
import type { Tool, ToolChoice } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatCompletionTool, ChatCompletionToolChoiceOption } from 'openai/resources/chat/completions';
import { unsupportedParameter } from '../shared/request-refusals.ts';
import { PROVIDER_NAME } from './provider-name.ts';

export interface ConvertedTools {
  tools?: Tool[];
  tool_choice?: ToolChoice;
}

export function convertTools(
  tools: ReadonlyArray<ChatCompletionTool> | undefined,
  toolChoice: ChatCompletionToolChoiceOption | undefined,
  parallelToolCalls: boolean | undefined,
): ConvertedTools {
  if (!tools || tools.length === 0) return {};
  let converted = tools.map((tool, index) => convertTool(tool, index));
  let choice: ToolChoice | undefined;

  if (toolChoice === undefined || toolChoice === 'auto') {
    choice = toolChoice === 'auto' ? { type: 'auto' } : undefined;
  } else if (toolChoice === 'required') {
    choice = { type: 'any' };
  } else if (toolChoice === 'none') {
    choice = { type: 'none' };
  } else if (toolChoice.type === 'function') {
    choice = { type: 'tool', name: toolChoice.function.name };
  } else if (toolChoice.type === 'allowed_tools') {
    // Restricting the callable set is exactly "send only those tools"; the mode keeps its meaning.
    const allowed = new Set(
      toolChoice.allowed_tools.tools.map((entry) => functionName(entry)).filter((name) => name !== undefined),
    );
    converted = converted.filter((tool) => allowed.has(tool.name));
    choice = { type: toolChoice.allowed_tools.mode === 'required' ? 'any' : 'auto' };
  } else {
    throw unsupportedParameter(
      PROVIDER_NAME,
      'tool_choice',
      'tool_choice: custom tools are not supported for Anthropic',
    );
  }

  if (parallelToolCalls === false) {
    choice ??= { type: 'auto' };
    if (choice.type !== 'none') choice = { ...choice, disable_parallel_tool_use: true };
  }

  return choice === undefined ? { tools: converted } : { tools: converted, tool_choice: choice };
}

function convertTool(tool: ChatCompletionTool, index: number): Tool {
  if (tool.type !== 'function') {
    throw unsupportedParameter(
      PROVIDER_NAME,
      `tools[${index}]`,
      `tools[${index}]: custom tools are not supported for Anthropic`,
    );
  }
  const { name, description, parameters, strict } = tool.function;
  const result: Tool = { name, input_schema: { ...parameters, type: 'object' } };
  if (description !== undefined) result.description = description;
  // Both APIs mean the same by strict: arguments are guaranteed to validate against the schema.
  if (strict === true) result.strict = true;
  return result;
}

/** `{type: 'function', function: {name}}` entries of `allowed_tools.tools` (loosely typed in the OpenAI SDK). */
function functionName(entry: { [key: string]: unknown }): string | undefined {
  const fn = entry.function;
  if (typeof fn === 'object' && fn !== null && 'name' in fn && typeof fn.name === 'string') return fn.name;
  return undefined;
}
