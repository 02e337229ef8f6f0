/**
 * A stand-in for the tokenizer while it is not wired: about four characters of the messages' JSON per token,
 * plus the output budget the request asks for (`max_completion_tokens`, else `max_tokens`, else a default).
 * It is what TPM budgets charge until `countPromptTokens` replaces it; it errs high on JSON punctuation,
 * which for a budget is the safe side.
 */
import type { ChatRequest } from '../../providers/types.ts';

/** The output budget charged when a request names none (OpenAI counts one at admission as well). */
export const DEFAULT_OUTPUT_TOKENS = 4096;

export function roughRequestTokens(request: ChatRequest): number {
  const prompt = Math.ceil(JSON.stringify(request.messages ?? []).length / 4);
  const asked = request.max_completion_tokens ?? request.max_tokens;
  return prompt + (typeof asked === 'number' && asked > 0 ? asked : DEFAULT_OUTPUT_TOKENS);
}
