/**
 * Checks a chat completion request before anything is sent upstream, so malformed input gets a clear
 * OpenAI-format 400 naming the field instead of a provider's error (or a crash in a translator).
 *
 * The rule: every body accepted here translates for every provider path. So structure is checked as deep
 * as the translators read it (validate-messages.ts, validate-tools.ts), the body's nesting and sizes are
 * bounded (request-limits.ts), and fields the gateway does not know are left for the upstream to judge.
 */
import type { ChatRequest } from '../../providers/types.ts';
import { type GatewayError, invalidRequest } from '../gateway-error.ts';
import { fieldDeeperThan } from './measure-depth.ts';
import { type Issue, MAX_BODY_DEPTH } from './request-limits.ts';
import { validateMessages } from './validate-messages.ts';
import { validateResponseFormat, validateToolChoice, validateTools } from './validate-tools.ts';

/**
 * `includeReasoning` is the gateway's own `include_reasoning` request field, taken out of the request so that
 * no upstream ever sees it (OpenAI rejects unknown parameters); undefined when the client did not say.
 */
/** A request that passed validation, and the gateway's own fields taken out of it. */
export type ValidChatRequest = { ok: true; request: ChatRequest; includeReasoning?: boolean };
type Result = ValidChatRequest | { ok: false; error: GatewayError };

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): boolean => typeof v === 'string';
const isBoolean = (v: unknown): boolean => typeof v === 'boolean';
const inRange =
  (min: number, max: number) =>
  (v: unknown): boolean =>
    typeof v === 'number' && v >= min && v <= max;
const integerFrom =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (v: unknown): boolean =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** Scalar and flat fields: [field, check, what is expected]. Null means "not set" for all of them. */
const FIELD_CHECKS: ReadonlyArray<[string, (value: unknown) => boolean, string]> = [
  ['stream', isBoolean, 'a boolean'],
  ['n', integerFrom(1, 128), 'an integer from 1 to 128'],
  ['max_tokens', integerFrom(1), 'a positive integer'],
  ['max_completion_tokens', integerFrom(1), 'a positive integer'],
  ['temperature', inRange(0, 2), 'a number from 0 to 2'],
  ['top_p', inRange(0, 1), 'a number from 0 to 1'],
  ['top_k', integerFrom(0), 'a non-negative integer'],
  ['presence_penalty', inRange(-2, 2), 'a number from -2 to 2'],
  ['frequency_penalty', inRange(-2, 2), 'a number from -2 to 2'],
  [
    'stop',
    (v) => isString(v) || (Array.isArray(v) && v.length <= 4 && v.every(isString)),
    'a string or an array of up to 4 strings',
  ],
  ['logprobs', isBoolean, 'a boolean'],
  ['top_logprobs', integerFrom(0, 20), 'an integer from 0 to 20'],
  ['seed', integerFrom(Number.MIN_SAFE_INTEGER), 'an integer'],
  ['parallel_tool_calls', isBoolean, 'a boolean'],
  ['store', isBoolean, 'a boolean'],
  [
    'stream_options',
    (v) =>
      isObject(v) && [undefined, null, true, false].includes((v as { include_usage?: unknown }).include_usage as never),
    "an object ('include_usage' a boolean)",
  ],
  [
    'logit_bias',
    (v) => isObject(v) && Object.values(v as object).every((bias) => typeof bias === 'number'),
    'an object mapping token ids to numbers',
  ],
  ['metadata', (v) => isObject(v) && Object.values(v as object).every(isString), 'an object of strings'],
  ['modalities', (v) => Array.isArray(v) && v.every(isString), 'an array of strings'],
  ['reasoning_effort', isString, 'a string'],
  ['verbosity', isString, 'a string'],
  ['service_tier', isString, 'a string'],
  ['user', isString, 'a string'],
  ['safety_identifier', isString, 'a string'],
  ['audio', isObject, 'an object'],
  ['prediction', isObject, 'an object'],
  ['include_reasoning', isBoolean, 'a boolean'],
];

export function validateChatRequest(body: unknown): Result {
  const issue = findIssue(body);
  if (issue) return { ok: false, error: invalidRequest(issue.message, issue.param, issue.code ?? null) };
  const { include_reasoning: includeReasoning, ...request } = body as Record<string, unknown>;
  return typeof includeReasoning === 'boolean'
    ? { ok: true, request: request as ChatRequest, includeReasoning }
    : { ok: true, request: request as ChatRequest };
}

function findIssue(body: unknown): Issue | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { message: 'The request body must be a JSON object.', param: null };
  }
  const record = body as Record<string, unknown>;
  const deep = fieldDeeperThan(record, MAX_BODY_DEPTH);
  if (deep !== undefined) {
    return {
      message: `'${deep}' is nested more than ${MAX_BODY_DEPTH} levels deep; the gateway accepts at most ${MAX_BODY_DEPTH}.`,
      param: deep,
      code: 'nesting_too_deep',
    };
  }
  if (typeof record.model !== 'string' || record.model.trim() === '') {
    return {
      message: "'model' is required and must be a non-empty string.",
      param: 'model',
      code: 'missing_required_parameter',
    };
  }
  const structural = validateMessages(record.messages);
  if (structural) return structural;
  for (const [field, check, expected] of FIELD_CHECKS) {
    const value = record[field];
    if (value !== undefined && value !== null && !check(value)) {
      const code = typeof value === 'number' ? 'invalid_value' : 'invalid_type';
      return { message: `Invalid value for '${field}': expected ${expected}.`, param: field, code };
    }
  }
  if (record.stream_options !== undefined && record.stream_options !== null && record.stream !== true) {
    return {
      message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      param: 'stream_options',
      code: 'invalid_value',
    };
  }
  return (
    validateTools(record.tools) ??
    validateToolChoice(record.tool_choice) ??
    validateResponseFormat(record.response_format)
  );
}
