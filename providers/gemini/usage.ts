/**
 * Gemini `usageMetadata` → OpenAI `usage` (node_modules/@google/genai/dist/genai.d.ts,
 * `GenerateContentResponseUsageMetadata`).
 *
 * Gemini counts thinking apart from the visible answer (`thoughtsTokenCount` beside `candidatesTokenCount`);
 * OpenAI counts reasoning inside `completion_tokens` and details it in `reasoning_tokens`, so both go into
 * `completion_tokens`. `total_tokens` is always prompt + completion, even when Gemini's `totalTokenCount`
 * differs (it also counts `toolUsePromptTokenCount`, from server-side tools this provider never enables), so a
 * client's arithmetic always holds. In a stream the metadata is cumulative: pass the last one.
 */
import type { GenerateContentResponseUsageMetadata } from '@google/genai';
import type { CompletionUsage } from 'openai/resources/completions';

export function convertUsage(usage: GenerateContentResponseUsageMetadata | undefined): CompletionUsage {
  const prompt = usage?.promptTokenCount ?? 0;
  const thoughts = usage?.thoughtsTokenCount ?? 0;
  const completion = (usage?.candidatesTokenCount ?? 0) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}
