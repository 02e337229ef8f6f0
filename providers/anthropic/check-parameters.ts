/**
 * What happens to each OpenAI request parameter that Anthropic has no exact equivalent for.
 *
 * Two outcomes only, never a silent drop or a clamp:
 * - `reject`: the client asked for something the answer cannot contain (several choices, logprobs, audio).
 *   Serving it anyway would hand the client a response it cannot use, so we fail with
 *   `unsupported_parameter` before any network call and routing tries another provider.
 * - `warn`: the parameter only tunes how the answer is produced (sampling, penalties, caching hints). The
 *   answer stays usable; the client learns from the warning header that the knob was ignored.
 *
 * Parameters with a real translation (max_tokens, stop, tools, response_format, user, ...) are handled in
 * convert-request.ts and do not appear here. providers/anthropic/README.md carries this table for humans.
 */

import { unsupportedParameter } from '../shared/request-refusals.ts';
import type { ChatRequest, Warning } from '../types.ts';
import { PROVIDER_NAME } from './provider-name.ts';

interface Rule {
  param: string;
  action: 'reject' | 'warn';
  /** Whether the value the client sent needs the action (defaults are never flagged). */
  applies: (value: unknown) => boolean;
  message: string;
}

const isSet = (value: unknown): boolean => value !== undefined && value !== null;
const isNonZero = (value: unknown): boolean => typeof value === 'number' && value !== 0;
const isNonEmptyObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && Object.keys(value).length > 0;

export const PARAMETER_RULES: readonly Rule[] = [
  {
    param: 'n',
    action: 'reject',
    applies: (v) => typeof v === 'number' && v > 1,
    message: 'Anthropic returns exactly one choice per request; n > 1 is not supported',
  },
  {
    param: 'logprobs',
    action: 'reject',
    applies: (v) => v === true,
    message: 'Anthropic does not return token log probabilities',
  },
  {
    param: 'top_logprobs',
    action: 'reject',
    applies: (v) => typeof v === 'number' && v > 0,
    message: 'Anthropic does not return token log probabilities',
  },
  { param: 'audio', action: 'reject', applies: isSet, message: 'Anthropic cannot produce audio output' },
  {
    param: 'modalities',
    action: 'reject',
    applies: (v) => Array.isArray(v) && v.includes('audio'),
    message: 'Anthropic cannot produce audio output',
  },
  {
    param: 'functions',
    action: 'reject',
    applies: (v) => Array.isArray(v) && v.length > 0,
    message: 'the legacy functions API is not supported for Anthropic; use tools',
  },
  {
    param: 'function_call',
    action: 'reject',
    applies: isSet,
    message: 'the legacy functions API is not supported for Anthropic; use tool_choice',
  },
  {
    param: 'web_search_options',
    action: 'reject',
    applies: isSet,
    message: 'OpenAI web search is not available through Anthropic',
  },
  {
    param: 'moderation',
    action: 'reject',
    applies: isSet,
    message: 'OpenAI moderation results cannot be produced by Anthropic',
  },
  {
    param: 'temperature',
    action: 'warn',
    applies: isSet,
    message: 'not sent: the Anthropic API version used (2026-10-21) does not accept temperature',
  },
  {
    param: 'top_p',
    action: 'warn',
    applies: isSet,
    message: 'not sent: the Anthropic API version used (2026-10-21) does not accept top_p',
  },
  {
    param: 'top_k',
    action: 'warn',
    applies: isSet,
    message: 'not sent: the Anthropic API version used (2026-10-21) does not accept top_k',
  },
  { param: 'seed', action: 'warn', applies: isSet, message: 'Anthropic has no seed; ignored' },
  {
    param: 'frequency_penalty',
    action: 'warn',
    applies: isNonZero,
    message: 'Anthropic has no frequency penalty; ignored',
  },
  {
    param: 'presence_penalty',
    action: 'warn',
    applies: isNonZero,
    message: 'Anthropic has no presence penalty; ignored',
  },
  {
    param: 'logit_bias',
    action: 'warn',
    applies: isNonEmptyObject,
    message: 'OpenAI token ids mean nothing to Anthropic models; ignored',
  },
  {
    param: 'prediction',
    action: 'warn',
    applies: isSet,
    message: 'Anthropic has no predicted outputs; ignored (affects latency only)',
  },
  {
    param: 'service_tier',
    action: 'warn',
    applies: (v) => isSet(v) && v !== 'auto' && v !== 'default',
    message: 'OpenAI service tiers do not apply to Anthropic; ignored',
  },
  {
    param: 'store',
    action: 'warn',
    applies: (v) => v === true,
    message: 'Anthropic does not store completions for OpenAI evals or distillation; ignored',
  },
  {
    param: 'metadata',
    action: 'warn',
    applies: isNonEmptyObject,
    message: 'Anthropic metadata only holds a user id; ignored (use user)',
  },
  {
    param: 'reasoning_effort',
    action: 'warn',
    applies: isSet,
    message: 'not mapped to Anthropic thinking or effort (model-dependent); ignored',
  },
  { param: 'verbosity', action: 'warn', applies: isSet, message: 'Anthropic has no verbosity setting; ignored' },
  {
    param: 'prompt_cache_key',
    action: 'warn',
    applies: isSet,
    message: 'OpenAI prompt cache routing does not apply to Anthropic; ignored',
  },
  {
    param: 'prompt_cache_retention',
    action: 'warn',
    applies: isSet,
    message: 'OpenAI prompt cache retention does not apply to Anthropic; ignored',
  },
  {
    param: 'prompt_cache_options',
    action: 'warn',
    applies: isSet,
    message: 'OpenAI prompt cache options do not apply to Anthropic; ignored',
  },
];

/** Fields convert-request.ts translates or that need no translation; anything else is unknown. */
const TRANSLATED = new Set([
  'messages',
  'model',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'user',
  'safety_identifier',
]);
const RULED = new Set(PARAMETER_RULES.map((rule) => rule.param));

/** Throws the first `reject`; returns a warning for each `warn` and for each field nobody knows. */
export function checkParameters(request: ChatRequest): Warning[] {
  const fields: Record<string, unknown> = request;
  const warnings: Warning[] = [];
  for (const rule of PARAMETER_RULES) {
    const value = fields[rule.param];
    if (!rule.applies(value)) continue;
    if (rule.action === 'reject')
      throw unsupportedParameter(PROVIDER_NAME, rule.param, `${rule.param}: ${rule.message}`);
    warnings.push({ param: rule.param, message: rule.message });
  }
  for (const field of Object.keys(fields)) {
    if (TRANSLATED.has(field) || RULED.has(field) || fields[field] === undefined) continue;
    warnings.push({ param: field, message: 'not a parameter the Anthropic provider knows; ignored' });
  }
  return warnings;
}
