/**
 * Whether a request can fit the target model's context window, decided before it is sent: the prompt plus
 * the output it asks for (`max_completion_tokens` / `max_tokens`; for Anthropic, which requires the field,
 * the `max_tokens` the gateway sends when the client set none) against the model's window (model-limits.ts).
 *
 * Cheap first: when even the tokenizer-free upper bound fits (nearly every request), the tokenizer is not
 * loaded and nothing is counted. Claude and Gemini counts are estimates, so they are refused only when over
 * the window by more than ESTIMATE_MARGIN: a request that would have fit must never be refused; one that
 * slips through meets the provider's own check, as before.
 */
import { defaultMaxTokens } from '../../providers/anthropic/default-max-tokens.ts';
import type { ChatRequest } from '../../providers/types.ts';
import {
  countPromptTokensUpTo,
  isEstimated,
  type ProviderName,
  promptTokenBound,
  requestedOutputTokens,
} from './count-tokens.ts';
import { type ModelLimitOverrides, modelLimits } from './model-limits.ts';

export const ESTIMATE_MARGIN = 0.1;

export interface ContextOverflow {
  model: string;
  contextWindow: number;
  /** The prompt's tokens; with `promptOver`, only known to be more than this. */
  prompt: number;
  promptOver: boolean;
  /** The output the request asks for (or the default the gateway would send Anthropic). */
  output: number;
  estimated: boolean;
}

/** Counting stops at this many times the room left: past it, "more than" is as useful as the exact figure. */
const COUNT_UP_TO = 2;

/** Undefined when the request fits (or the model is unknown); else the sizes, for the 400. */
export async function findContextOverflow(
  request: ChatRequest,
  provider: ProviderName,
  model: string,
  overrides?: ModelLimitOverrides,
): Promise<ContextOverflow | undefined> {
  const limits = modelLimits(model, overrides);
  if (!limits) return undefined;
  const output = requestedOutputTokens(request) ?? (provider === 'anthropic' ? defaultMaxTokens(model) : 0);
  const estimated = isEstimated(provider);
  const allowed = estimated ? Math.floor(limits.contextWindow * (1 + ESTIMATE_MARGIN)) : limits.contextWindow;
  const room = allowed - output;
  if (room >= 0 && promptTokenBound(request, provider) <= room) return undefined;
  const stopAt = Math.max(room, limits.contextWindow) * COUNT_UP_TO;
  const prompt = await countPromptTokensUpTo(request, provider, stopAt);
  if (prompt <= room) return undefined;
  return {
    model,
    contextWindow: limits.contextWindow,
    prompt: Math.min(prompt, stopAt),
    promptOver: prompt > stopAt,
    output,
    estimated,
  };
}
