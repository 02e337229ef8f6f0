/**
 * OpenAI chat history → Anthropic `system` + alternating user/assistant turns.
 *
 * - system and developer messages become the top-level `system` string, in order, joined by blank lines
 *   (Anthropic has no developer role; both are instructions from the application).
 * - assistant `tool_calls` become `tool_use` blocks and `tool` messages `tool_result` blocks in a user
 *   turn, both keeping the client's ids: the ids we hand out are Anthropic's own `toolu_…` ids, so they
 *   come back unchanged and pair up on the next request.
 * - consecutive turns of the same role are merged (several tool results after one assistant turn become
 *   one user turn, as Anthropic requires tool results to directly follow their tool_use turn).
 * - an assistant turn with tool calls gets back the thinking blocks Claude wrote before those calls, from
 *   the thinking memory (thinking-memory.ts), when the same model wrote them: Anthropic requires them when
 *   thinking is on and tools are used.
 */
import type {
  ContentBlockParam,
  MessageParam,
  ToolResultBlockParam,
  ToolUseBlockParam,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { unsupportedParameter } from '../shared/request-refusals.ts';
import type { Warning } from '../types.ts';
import { convertTextParts, convertUserContent } from './convert-content.ts';
import { PROVIDER_NAME } from './provider-name.ts';
import type { ThinkingMemory } from './thinking-memory.ts';

export interface ConvertedMessages {
  system: string | undefined;
  messages: MessageParam[];
  warnings: Warning[];
}

type Role = 'user' | 'assistant';

export interface ConvertMessagesOptions {
  /** The model the request goes to: remembered thinking is only replayed to the model that wrote it. */
  model?: string;
  thinkingMemory?: ThinkingMemory;
}

export function convertMessages(
  input: ReadonlyArray<ChatCompletionMessageParam>,
  opts: ConvertMessagesOptions = {},
): ConvertedMessages {
  const systemParts: string[] = [];
  const messages: Array<{ role: Role; content: ContentBlockParam[] }> = [];
  const warnings: Warning[] = [];
  let warnedName = false;

  const push = (role: Role, blocks: ContentBlockParam[]): void => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };

  input.forEach((message, index) => {
    const path = `messages[${index}]`;
    if ('name' in message && message.name !== undefined && message.role !== 'function' && !warnedName) {
      warnedName = true;
      warnings.push({ param: 'messages[].name', message: 'Anthropic has no participant names; ignored' });
    }
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = convertTextParts(message.content)
          .map((block) => block.text)
          .join('\n');
        if (text.length > 0) systemParts.push(text);
        return;
      }
      case 'user':
        push('user', convertUserContent(message.content, `${path}.content`, warnings));
        return;
      case 'assistant':
        push('assistant', [...rememberedThinking(message, opts), ...convertAssistant(message, path)]);
        return;
      case 'tool': {
        const result: ToolResultBlockParam = { type: 'tool_result', tool_use_id: message.tool_call_id };
        const content = convertTextParts(message.content);
        if (content.length > 0) result.content = typeof message.content === 'string' ? message.content : content;
        push('user', [result]);
        return;
      }
      case 'function':
        throw unsupportedParameter(
          PROVIDER_NAME,
          path,
          `${path}: legacy function messages are not supported for Anthropic; use tool messages`,
        );
    }
  });

  return {
    system: systemParts.length > 0 ? systemParts.join('\n\n') : undefined,
    messages,
    warnings,
  };
}

function rememberedThinking(
  message: ChatCompletionAssistantMessageParam,
  opts: ConvertMessagesOptions,
): ContentBlockParam[] {
  const firstCall = message.tool_calls?.[0];
  if (!firstCall || !opts.thinkingMemory || opts.model === undefined) return [];
  const remembered = opts.thinkingMemory.get(firstCall.id);
  return remembered && remembered.model === opts.model ? [...remembered.blocks] : [];
}

function convertAssistant(message: ChatCompletionAssistantMessageParam, path: string): ContentBlockParam[] {
  if (message.function_call) {
    throw unsupportedParameter(
      PROVIDER_NAME,
      `${path}.function_call`,
      `${path}.function_call: the legacy functions API is not supported for Anthropic; use tool_calls`,
    );
  }
  if (message.audio) {
    throw unsupportedParameter(
      PROVIDER_NAME,
      `${path}.audio`,
      `${path}.audio: earlier OpenAI audio answers cannot be sent to Anthropic`,
    );
  }
  const blocks: ContentBlockParam[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    blocks.push(...convertTextParts(content));
  } else if (Array.isArray(content)) {
    for (const part of content) {
      const text = part.type === 'text' ? part.text : part.refusal;
      if (text.length > 0) blocks.push({ type: 'text', text });
    }
  }
  (message.tool_calls ?? []).forEach((call, callIndex) => {
    const callPath = `${path}.tool_calls[${callIndex}]`;
    if (call.type !== 'function') {
      throw unsupportedParameter(
        PROVIDER_NAME,
        callPath,
        `${callPath}: custom tool calls are not supported for Anthropic`,
      );
    }
    const toolUse: ToolUseBlockParam = {
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseToolArguments(call.function.arguments, `${callPath}.function.arguments`),
    };
    blocks.push(toolUse);
  });
  return blocks;
}

/**
 * Anthropic wants `tool_use.input` as a JSON object; OpenAI carries arguments as a string the model wrote,
 * which can be invalid (a truncated call). That is a request this provider cannot serve but another may
 * (OpenAI accepts any string), hence `unsupported_parameter`. An empty string means "no arguments".
 */
export function parseToolArguments(args: string, path: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw unsupportedParameter(
      PROVIDER_NAME,
      path,
      `${path} is not valid JSON; Anthropic needs tool call arguments as a JSON object`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw unsupportedParameter(PROVIDER_NAME, path, `${path} must be a JSON object for Anthropic`);
  }
  return { ...parsed };
}
