/**
 * The `messages` array, checked to the depth the translators read it: every message the validator accepts
 * can be translated for Anthropic and Gemini without a translator tripping over a missing or mistyped field
 * (`content: null` on a user turn, an image part without `image_url`, `tool_calls: "x"`, arguments that are
 * an object). Shapes follow OpenAI's own request schema, so a body refused here would be refused by OpenAI
 * too. Part types the gateway does not know are left for the upstream (or a translator) to judge.
 */
import { type Issue, MAX_CONTENT_PARTS, MAX_MESSAGES, MAX_TOOL_CALLS } from './request-limits.ts';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isAbsent = (value: unknown): boolean => value === undefined || value === null;
const optionalString = (value: unknown): boolean => isAbsent(value) || typeof value === 'string';

export function validateMessages(messages: unknown): Issue | undefined {
  if (!Array.isArray(messages) || messages.length === 0) {
    return { message: "'messages' must be a non-empty array.", param: 'messages', code: 'missing_required_parameter' };
  }
  if (messages.length > MAX_MESSAGES) {
    return {
      message: `'messages' holds ${messages.length} messages; at most ${MAX_MESSAGES} are accepted.`,
      param: 'messages',
      code: 'array_above_max_length',
    };
  }
  for (const [index, message] of messages.entries()) {
    const issue = validateMessage(message, `messages[${index}]`);
    if (issue) return issue;
  }
  return undefined;
}

function validateMessage(message: unknown, param: string): Issue | undefined {
  if (!isObject(message)) return { message: `${param} must be an object.`, param };
  const role = message.role;
  if (typeof role !== 'string' || !ROLES.has(role)) {
    return { message: `${param}.role must be one of ${[...ROLES].join(', ')}.`, param: `${param}.role` };
  }
  if (!optionalString(message.name))
    return { message: `${param}.name must be a string.`, param: `${param}.name`, code: 'invalid_type' };
  const content = message.content;
  const contentParam = `${param}.content`;
  switch (role) {
    case 'system':
    case 'developer':
    case 'tool': {
      if (role === 'tool' && typeof message.tool_call_id !== 'string') {
        return { message: `${param}.tool_call_id is required for tool messages.`, param: `${param}.tool_call_id` };
      }
      return requiredContent(content, contentParam, role) ?? textParts(content, contentParam, ['text']);
    }
    case 'user':
      return requiredContent(content, contentParam, role) ?? userParts(content, contentParam);
    case 'assistant':
      return assistantMessage(message, param);
    default: // function (deprecated): OpenAI judges it; the translators refuse it by role
      return isAbsent(content) || typeof content === 'string'
        ? undefined
        : { message: `${contentParam} must be a string.`, param: contentParam, code: 'invalid_type' };
  }
}

function requiredContent(content: unknown, param: string, role: string): Issue | undefined {
  if (typeof content === 'string' || Array.isArray(content)) return undefined;
  return isAbsent(content)
    ? {
        message: `${param} is required for ${role} messages (a string or an array of content parts).`,
        param,
        code: 'missing_required_parameter',
      }
    : { message: `${param} must be a string or an array of content parts.`, param, code: 'invalid_type' };
}

/** Content that may only hold the given part types (system, developer and tool: text; assistant: text and refusal). */
function textParts(content: unknown, param: string, allowed: readonly string[]): Issue | undefined {
  if (!Array.isArray(content)) return undefined;
  if (content.length > MAX_CONTENT_PARTS) return tooManyParts(content.length, param);
  for (const [index, part] of content.entries()) {
    const partParam = `${param}[${index}]`;
    const type = isObject(part) ? part.type : undefined;
    if (typeof type !== 'string' || !allowed.includes(type)) {
      return {
        message: `${partParam} must be a content part of type ${allowed.map((t) => `'${t}'`).join(' or ')}.`,
        param: partParam,
        code: 'invalid_type',
      };
    }
    const field = type === 'refusal' ? 'refusal' : 'text';
    if (typeof (part as Fields)[field] !== 'string') {
      return {
        message: `${partParam}.${field} must be a string.`,
        param: `${partParam}.${field}`,
        code: 'invalid_type',
      };
    }
  }
  return undefined;
}

function userParts(content: unknown, param: string): Issue | undefined {
  if (!Array.isArray(content)) return undefined;
  if (content.length > MAX_CONTENT_PARTS) return tooManyParts(content.length, param);
  for (const [index, part] of content.entries()) {
    const issue = userPart(part, `${param}[${index}]`);
    if (issue) return issue;
  }
  return undefined;
}

function userPart(part: unknown, param: string): Issue | undefined {
  if (!isObject(part) || typeof part.type !== 'string') {
    return { message: `${param} must be an object with a 'type'.`, param };
  }
  const need = (field: string, inner: Record<string, 'string' | 'optional'>): Issue | undefined => {
    const value = part[field];
    if (!isObject(value))
      return {
        message: `${param}.${field} must be an object for a '${part.type as string}' part.`,
        param: `${param}.${field}`,
        code: 'missing_required_parameter',
      };
    for (const [key, rule] of Object.entries(inner)) {
      const ok = rule === 'string' ? typeof value[key] === 'string' : optionalString(value[key]);
      if (!ok)
        return {
          message: `${param}.${field}.${key} must be a string.`,
          param: `${param}.${field}.${key}`,
          code: 'invalid_type',
        };
    }
    return undefined;
  };
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string'
        ? undefined
        : { message: `${param}.text must be a string.`, param: `${param}.text`, code: 'invalid_type' };
    case 'image_url':
      return need('image_url', { url: 'string', detail: 'optional' });
    case 'input_audio':
      return need('input_audio', { data: 'string', format: 'string' });
    case 'file':
      return need('file', { file_data: 'optional', file_id: 'optional', filename: 'optional' });
    default:
      return undefined; // a part type the gateway does not know: OpenAI judges it, translators refuse it
  }
}

function assistantMessage(message: Fields, param: string): Issue | undefined {
  const content = message.content;
  if (!isAbsent(content) && typeof content !== 'string' && !Array.isArray(content)) {
    return {
      message: `${param}.content must be a string, an array of content parts, or null.`,
      param: `${param}.content`,
      code: 'invalid_type',
    };
  }
  const partsIssue = textParts(content, `${param}.content`, ['text', 'refusal']);
  if (partsIssue) return partsIssue;
  if (!optionalString(message.refusal))
    return { message: `${param}.refusal must be a string or null.`, param: `${param}.refusal`, code: 'invalid_type' };
  for (const field of ['audio', 'function_call']) {
    if (!isAbsent(message[field]) && !isObject(message[field])) {
      return { message: `${param}.${field} must be an object.`, param: `${param}.${field}`, code: 'invalid_type' };
    }
  }
  const calls = message.tool_calls;
  if (isAbsent(calls)) return undefined;
  if (!Array.isArray(calls))
    return { message: `${param}.tool_calls must be an array.`, param: `${param}.tool_calls`, code: 'invalid_type' };
  if (calls.length > MAX_TOOL_CALLS) {
    return {
      message: `${param}.tool_calls holds ${calls.length} calls; at most ${MAX_TOOL_CALLS} are accepted.`,
      param: `${param}.tool_calls`,
      code: 'array_above_max_length',
    };
  }
  for (const [index, call] of calls.entries()) {
    const issue = toolCall(call, `${param}.tool_calls[${index}]`);
    if (issue) return issue;
  }
  return undefined;
}

function toolCall(call: unknown, param: string): Issue | undefined {
  if (!isObject(call) || typeof call.id !== 'string' || typeof call.type !== 'string') {
    return { message: `${param} must be an object with a string 'id' and 'type'.`, param };
  }
  const inner = call.type === 'function' ? 'function' : call.type === 'custom' ? 'custom' : undefined;
  if (!inner) return undefined; // unknown call types: OpenAI judges them, translators refuse them
  const body = call[inner];
  const textField = inner === 'function' ? 'arguments' : 'input';
  if (!isObject(body) || typeof body.name !== 'string') {
    return {
      message: `${param}.${inner} must be an object with a string 'name'.`,
      param: `${param}.${inner}`,
      code: 'invalid_type',
    };
  }
  if (typeof body[textField] !== 'string') {
    // OpenAI carries tool-call arguments as the JSON text the model wrote, never as an object.
    return {
      message: `${param}.${inner}.${textField} must be a string${inner === 'function' ? ' (JSON text)' : ''}.`,
      param: `${param}.${inner}.${textField}`,
      code: 'invalid_type',
    };
  }
  return undefined;
}

function tooManyParts(count: number, param: string): Issue {
  return {
    message: `${param} holds ${count} content parts; at most ${MAX_CONTENT_PARTS} are accepted.`,
    param,
    code: 'array_above_max_length',
  };
}
