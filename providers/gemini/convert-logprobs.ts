/**
 * Gemini `logprobsResult` → OpenAI `logprobs` (node_modules/@google/genai/dist/genai.d.ts: `LogprobsResult {
 * chosenCandidates?: { token?, logProbability? }[]; topCandidates?: { candidates?: [...] }[] }`, one entry per
 * decoding step). OpenAI also gives each token's UTF-8 bytes; they are computed from the token text.
 */
import type { LogprobsResult, LogprobsResultCandidate } from '@google/genai';
import type { ChatCompletionTokenLogprob } from 'openai/resources/chat/completions';

export interface OpenAILogprobs {
  content: ChatCompletionTokenLogprob[] | null;
  refusal: ChatCompletionTokenLogprob[] | null;
}

const encoder = new TextEncoder();

export function convertLogprobs(result: LogprobsResult | undefined): OpenAILogprobs | null {
  if (!result?.chosenCandidates) return null;
  const content = result.chosenCandidates.map((chosen, step) => ({
    ...tokenLogprob(chosen),
    top_logprobs: (result.topCandidates?.[step]?.candidates ?? []).map(tokenLogprob),
  }));
  return { content, refusal: null };
}

function tokenLogprob(candidate: LogprobsResultCandidate): { token: string; bytes: number[]; logprob: number } {
  const token = candidate.token ?? '';
  return { token, bytes: [...encoder.encode(token)], logprob: candidate.logProbability ?? 0 };
}
