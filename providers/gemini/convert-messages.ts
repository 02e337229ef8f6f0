/**
 * OpenAI `messages` → Gemini `systemInstruction` + `contents` (node_modules/@google/genai/dist/genai.d.ts:
 * `Content { role?: string; parts?: Part[] }`; roles are `user` and `model`,
 * https://ai.google.dev/api/caching#Content).
 *
 * - `system` and `developer` messages all go, in order, into the one `systemInstruction` Gemini has. One that
 *   comes after the conversation started loses its position, and a warning says so.
 * - `assistant` becomes role `model`; its `tool_calls` become `functionCall` parts with `args` parsed from the
 *   JSON `arguments` (not JSON, or not an object: 400 before any network call).
 * - `tool` messages become `functionResponse` parts in a `user` turn. Gemini pairs a response with its call by
 *   function NAME, so the name is looked up from the earlier assistant `tool_calls` by `tool_call_id`; an id no
 *   earlier assistant message issued is a 400. The output travels as `{ output: "<content>" }` ("Use 'output'
 *   key to specify function output", `FunctionResponse.response` in genai.d.ts), kept as the client's string:
 *   parsing it would hand Gemini keys such as `$ref` that it interprets inside function responses.
 * - Tool-call ids are not sent to Gemini: they are ours (or another provider's), and Gemini's matching is by
 *   name and order (`FunctionCall.id` is optional).
 * - Consecutive turns of the same role are merged (Gemini expects alternating turns; several tool results for
 *   one parallel call must sit in one `user` turn).
 *
 * Thought signatures: Gemini 3 models return an opaque `thoughtSignature` on the first `functionCall` part of
 * each step and reject a replayed history without it (https://ai.google.dev/gemini-api/docs/thought-signatures).
 * The answers carry it as `tool_calls[].extra_content.google.thought_signature` (Google's OpenAI-compatible
 * shape; thought-signatures.ts), so a signature the client kept there is replayed exactly; one the client
 * dropped is taken from the gateway's short-lived memory by tool-call id; only when neither has it does the
 * documented bypass value `skip_thought_signature_validator` go on the first call of the model turn, for models
 * that validate signatures (every Gemini model after the 1.x and 2.x series), with a warning, since reasoning
 * over several tool steps is worse without the real signature.
 */
import type { Content, Part } from '@google/genai';
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPartText,
  ChatCompletionMessageParam,
  ChatCompletionToolMessageParam,
} from 'openai/resources/chat/completions';
import { invalidRequest, unsupportedParameter } from '../shared/request-refusals.ts';
import { convertUserContent } from './convert-content-parts.ts';
import { isJsonObject } from './prepare-json-schema.ts';
import type { SignatureMemory } from './thought-signatures.ts';
import type { WarningList } from './warnings.ts';

export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

export interface ConvertedMessages {
  systemInstruction?: Content;
  contents: Content[];
}

export function convertMessages(
  messages: readonly ChatCompletionMessageParam[],
  model: string,
  warnings: WarningList,
  signatures?: SignatureMemory,
): ConvertedMessages {
  const contents: Content[] = [];
  const systemParts: Part[] = [];
  const toolNames = new Map<string, string>();
  let conversationStarted = false;

  const push = (role: 'user' | 'model', parts: Part[]): void => {
    if (parts.length === 0) return;
    conversationStarted = true;
    const last = contents[contents.length - 1];
    if (last?.role === role) last.parts = [...(last.parts ?? []), ...parts];
    else contents.push({ role, parts });
  };

  messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    if ('name' in message && typeof message.name === 'string' && message.role !== 'function') {
      warnings.add('messages[].name', 'Gemini has no participant names; message names were not sent.');
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        if (conversationStarted) {
          warnings.add(
            'messages[].role',
            `Gemini takes one system instruction; the ${message.role} message at ${param} was moved into it, before the conversation.`,
          );
        }
        systemParts.push(...textParts(message.content));
        return;
      case 'user':
        push('user', convertUserContent(message.content, `${param}.content`, warnings));
        return;
      case 'assistant':
        push('model', assistantParts(message, param, toolNames, signatures));
        return;
      case 'tool':
        push('user', [functionResponsePart(message, param, toolNames)]);
        return;
      case 'function':
        throw unsupportedParameter(
          'gemini',
          `${param}.role`,
          "Gemini provider: the deprecated 'function' role is not supported; use tools and 'tool' messages.",
        );
      default: {
        const role: unknown = (message as { role?: unknown }).role;
        throw invalidRequest('gemini', `${param}.role`, `Unknown message role '${String(role)}'.`);
      }
    }
  });

  if (contents.length === 0) {
    throw unsupportedParameter(
      'gemini',
      'messages',
      'Gemini provider: Gemini needs at least one user or assistant message besides system messages.',
    );
  }
  if (needsThoughtSignatures(model) && addMissingThoughtSignatures(contents) > 0) {
    warnings.add(
      'thought_signature',
      "A tool call in the history came back without its Gemini thought signature (the client dropped extra_content and this gateway no longer remembers it); Google's bypass value was sent, which can lower reasoning quality over several tool steps.",
    );
  }
  return systemParts.length > 0 ? { systemInstruction: { parts: systemParts }, contents } : { contents };
}

/** Gemini 1.x and 2.x do not validate thought signatures; later Gemini models do. */
export function needsThoughtSignatures(model: string): boolean {
  const name = model.replace(/^models\//, '').toLowerCase();
  return name.includes('gemini') && !/^gemini-(1|2)([.-]|$)/.test(name);
}

function textParts(content: string | readonly ChatCompletionContentPartText[]): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  return content.filter((part) => part.text !== '').map((part) => ({ text: part.text }));
}

function assistantParts(
  message: ChatCompletionAssistantMessageParam,
  param: string,
  toolNames: Map<string, string>,
  signatures: SignatureMemory | undefined,
): Part[] {
  if (message.audio) {
    throw unsupportedParameter(
      'gemini',
      `${param}.audio`,
      'Gemini provider: earlier audio answers cannot be replayed to Gemini.',
    );
  }
  if (message.function_call) {
    throw unsupportedParameter(
      'gemini',
      `${param}.function_call`,
      "Gemini provider: the deprecated 'function_call' is not supported; use tool_calls.",
    );
  }
  const parts: Part[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') parts.push({ text: content });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      const text = part.type === 'text' ? part.text : part.refusal;
      if (text !== '') parts.push({ text });
    }
  }
  if (typeof message.refusal === 'string' && message.refusal !== '' && parts.length === 0)
    parts.push({ text: message.refusal });

  (message.tool_calls ?? []).forEach((call, index) => {
    const callParam = `${param}.tool_calls[${index}]`;
    if (call.type !== 'function') {
      throw unsupportedParameter(
        'gemini',
        `${callParam}.type`,
        'Gemini provider: custom tool calls are not supported.',
      );
    }
    toolNames.set(call.id, call.function.name);
    const part: Part = {
      functionCall: {
        name: call.function.name,
        args: parseArguments(call.function.arguments, `${callParam}.function.arguments`),
      },
    };
    const signature = clientThoughtSignature(call) ?? signatures?.get(call.id);
    if (signature !== undefined) part.thoughtSignature = signature;
    parts.push(part);
  });
  return parts;
}

function parseArguments(raw: string, param: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidRequest('gemini', param, 'Tool call arguments must be a JSON object; this is not valid JSON.');
  }
  if (!isJsonObject(parsed)) throw invalidRequest('gemini', param, 'Tool call arguments must be a JSON object.');
  return parsed;
}

function functionResponsePart(
  message: ChatCompletionToolMessageParam,
  param: string,
  toolNames: Map<string, string>,
): Part {
  const name = toolNames.get(message.tool_call_id);
  if (name === undefined) {
    throw invalidRequest(
      'gemini',
      `${param}.tool_call_id`,
      `Tool message answers tool_call_id '${message.tool_call_id}', which no earlier assistant message issued.`,
    );
  }
  const output =
    typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join('');
  return { functionResponse: { name, response: { output } } };
}

/** Google's OpenAI-compatible endpoint hands signatures out as `extra_content.google.thought_signature`. */
function clientThoughtSignature(call: object): string | undefined {
  const extra: unknown = (call as { extra_content?: unknown }).extra_content;
  if (!isJsonObject(extra) || !isJsonObject(extra.google)) return undefined;
  const signature = extra.google.thought_signature;
  return typeof signature === 'string' && signature !== '' ? signature : undefined;
}

/** Puts the bypass value where a signature is required and missing; returns how many were needed. */
function addMissingThoughtSignatures(contents: Content[]): number {
  let bypassed = 0;
  for (const content of contents) {
    if (content.role !== 'model') continue;
    const firstCall = content.parts?.find((part) => part.functionCall !== undefined);
    if (firstCall && firstCall.thoughtSignature === undefined) {
      firstCall.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
      bypassed++;
    }
  }
  return bypassed;
}
