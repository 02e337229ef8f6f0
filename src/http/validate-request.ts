/**
 * Checks a chat completion request before anything is sent upstream, so malformed input gets a clear
 * OpenAI-format 400 naming the field instead of a provider's error (or a crash in a translator).
 * Only structure is checked; fields the gateway does not know are left for the upstream to judge.
 */
import type { ChatRequest } from '../../providers/types.ts';
import { invalidRequest, type GatewayError } from '../gateway-error.ts';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/**
 * `includeReasoning` is the gateway's own `include_reasoning` request field, taken out of the request so that
 * no upstream ever sees it (OpenAI rejects unknown parameters); undefined when the client did not say.
 */
type Result = { ok: true; request: ChatRequest; includeReasoning?: boolean } | { ok: false; error: GatewayError };

export function validateChatRequest(body: unknown): Result {
  const fail = (message: string, param: string | null, code: string | null = null): Result => ({
    ok: false,
    error: invalidRequest(message, param, code),
  });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail('The request body must be a JSON object.', null);
  }
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string' || record.model.trim() === '') {
    return fail("'model' is required and must be a non-empty string.", 'model', 'missing_required_parameter');
  }
  if (!Array.isArray(record.messages) || record.messages.length === 0) {
    return fail("'messages' must be a non-empty array.", 'messages', 'missing_required_parameter');
  }
  for (const [index, message] of record.messages.entries()) {
    const param = `messages[${index}]`;
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return fail(`${param} must be an object.`, param);
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      return fail(`${param}.role must be one of ${[...ROLES].join(', ')}.`, `${param}.role`);
    }
    const contentOk = content === undefined || content === null || typeof content === 'string' || Array.isArray(content);
    if (!contentOk) return fail(`${param}.content must be a string or an array of content parts.`, `${param}.content`);
    if (role === 'tool' && typeof (message as Record<string, unknown>).tool_call_id !== 'string') {
      return fail(`${param}.tool_call_id is required for tool messages.`, `${param}.tool_call_id`);
    }
    if (Array.isArray(content)) {
      for (const [partIndex, part] of content.entries()) {
        if (part === null || typeof part !== 'object' || typeof (part as Record<string, unknown>).type !== 'string') {
          return fail(`${param}.content[${partIndex}] must be an object with a 'type'.`, `${param}.content[${partIndex}]`);
        }
      }
    }
  }
  const checks: Array<[string, (value: unknown) => boolean, string]> = [
    ['stream', (v) => typeof v === 'boolean', 'a boolean'],
    ['n', (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 128, 'an integer from 1 to 128'],
    ['max_tokens', (v) => Number.isInteger(v) && (v as number) >= 1, 'a positive integer'],
    ['max_completion_tokens', (v) => Number.isInteger(v) && (v as number) >= 1, 'a positive integer'],
    ['temperature', (v) => typeof v === 'number' && v >= 0 && v <= 2, 'a number from 0 to 2'],
    ['top_p', (v) => typeof v === 'number' && v >= 0 && v <= 1, 'a number from 0 to 1'],
    ['presence_penalty', (v) => typeof v === 'number' && v >= -2 && v <= 2, 'a number from -2 to 2'],
    ['frequency_penalty', (v) => typeof v === 'number' && v >= -2 && v <= 2, 'a number from -2 to 2'],
    ['stop', (v) => typeof v === 'string' || (Array.isArray(v) && v.length <= 4 && v.every((s) => typeof s === 'string')), 'a string or an array of up to 4 strings'],
    ['tools', (v) => Array.isArray(v), 'an array'],
    ['stream_options', (v) => typeof v === 'object' && !Array.isArray(v), 'an object'],
    ['include_reasoning', (v) => typeof v === 'boolean', 'a boolean'],
    ['response_format', (v) => typeof v === 'object' && !Array.isArray(v) && typeof (v as Record<string, unknown>).type === 'string', "an object with a 'type'"],
  ];
  for (const [field, check, expected] of checks) {
    const value = record[field];
    if (value !== undefined && value !== null && !check(value)) {
      const code = typeof value === 'number' ? 'invalid_value' : 'invalid_type';
      return fail(`Invalid value for '${field}': expected ${expected}.`, field, code);
    }
  }
  if (record.stream_options !== undefined && record.stream_options !== null && record.stream !== true) {
    return fail("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', 'invalid_value');
  }
  if (Array.isArray(record.tools)) {
    for (const [index, tool] of record.tools.entries()) {
      const entry = tool as Record<string, unknown> | null;
      const fn = entry?.function as Record<string, unknown> | undefined;
      // Other tool types (OpenAI `custom`) pass through to OpenAI; translators reject what they cannot map.
      if (typeof entry?.type !== 'string' || (entry.type === 'function' && typeof fn?.name !== 'string')) {
        return fail(`tools[${index}] must be {"type":"function","function":{"name":...}}.`, `tools[${index}]`);
      }
    }
  }
  const { include_reasoning: includeReasoning, ...request } = record;
  return typeof includeReasoning === 'boolean'
    ? { ok: true, request: request as ChatRequest, includeReasoning }
    : { ok: true, request: request as ChatRequest };
}
