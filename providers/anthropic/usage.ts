/**
 * Anthropic usage → OpenAI `usage`.
 *
 * Anthropic's `input_tokens` excludes prompt-cache reads and writes (the three add up to the whole prompt,
 * see the `Usage` doc in @anthropic-ai/sdk resources/messages/messages.ts); OpenAI's `prompt_tokens` is the
 * whole prompt with `cached_tokens` as a subset. So the prompt total is the sum, and cache reads become
 * `cached_tokens`.
 */
import type { CompletionUsage } from 'openai/resources/completions';

/** The usage fields we read; both `Usage` (JSON, message_start) and `MessageDeltaUsage` fit. */
export interface AnthropicUsageLike {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

export function convertUsage(usage: AnthropicUsageLike): CompletionUsage {
  const input = usage.input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const promptTokens = input + cacheRead + cacheWrite;
  const completionTokens = usage.output_tokens ?? 0;
  const result: CompletionUsage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
  };
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (typeof thinking === 'number') result.completion_tokens_details = { reasoning_tokens: thinking };
  return result;
}
