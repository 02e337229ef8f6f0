/**
 * Gemini `GenerateContentResponse` → OpenAI `chat.completion` (node_modules/@google/genai/dist/genai.d.ts:
 * `GenerateContentResponse { candidates, promptFeedback, usageMetadata, modelVersion, responseId }`,
 * `Candidate { content, finishReason, index, logprobsResult }`; https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse).
 *
 * One choice per candidate. `content` joins the text parts, leaving out `thought` parts (thinking summaries
 * are not part of the answer); it is null when the candidate has no text. Function calls become `tool_calls`
 * with ids from tool-call-ids.ts. A prompt Gemini refused (`promptFeedback.blockReason`, no candidates) is an
 * answer with `finish_reason: content_filter` and no content, like OpenAI's own filtered answers.
 */
import type { Candidate, GenerateContentResponse, Part } from '@google/genai';
import type { ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import type { ChatCompletion } from '../types.ts';
import { UpstreamFailure } from '../upstream-failure.ts';
import { convertLogprobs } from './convert-logprobs.ts';
import { mapFinishReason, type OpenAIFinishReason } from './map-finish-reason.ts';
import { mintToolCallId, randomBase62, toolCallIdFor } from './tool-call-ids.ts';
import { convertUsage } from './usage.ts';

/**
 * The data fields of the SDK's `GenerateContentResponse` class (its getters `text`, `functionCalls`, ... are
 * conveniences this module does not use), so plain recorded responses convert too.
 */
export type GeminiResponse = Pick<GenerateContentResponse, 'candidates' | 'promptFeedback' | 'usageMetadata' | 'modelVersion' | 'responseId'>;

export interface ResponseContext {
  /** The model the call asked for; the answer names `modelVersion` instead when Gemini sends it. */
  model: string;
  /** The request asked for logprobs (`logprobs: true`). */
  includeLogprobs: boolean;
  /** Unix seconds; injectable for tests. */
  created?: number;
  mintToolCallId?: () => string;
}

export function convertResponse(response: GeminiResponse, context: ResponseContext): ChatCompletion {
  const candidates = response.candidates ?? [];
  const choices =
    candidates.length > 0
      ? candidates.map((candidate, position) => convertCandidate(candidate, position, context))
      : [blockedPromptChoice(response)];
  const completion: ChatCompletion = {
    id: completionId(response.responseId),
    object: 'chat.completion',
    created: context.created ?? Math.floor(Date.now() / 1000),
    model: response.modelVersion ?? context.model,
    choices: choices.sort((a, b) => a.index - b.index),
  };
  if (response.usageMetadata) completion.usage = convertUsage(response.usageMetadata);
  return completion;
}

/** One id for the whole answer: Gemini's `responseId` when present, so logs on both sides line up. */
export function completionId(responseId: string | undefined): string {
  return `chatcmpl-${responseId !== undefined && responseId !== '' ? responseId : randomBase62(29)}`;
}

/** Text of the answer's visible parts; undefined when there is none. */
export function visibleText(parts: readonly Part[]): string | undefined {
  const texts = parts.filter((part) => typeof part.text === 'string' && part.thought !== true).map((part) => part.text ?? '');
  return texts.length > 0 ? texts.join('') : undefined;
}

export function toOpenAIToolCall(part: Part, mint: () => string): ChatCompletionMessageToolCall | undefined {
  const call = part.functionCall;
  if (!call) return undefined;
  return {
    id: toolCallIdFor(call, mint),
    type: 'function',
    function: { name: call.name ?? '', arguments: JSON.stringify(call.args ?? {}) },
  };
}

/** Throws the failure a finish reason without OpenAI equivalent stands for. */
export function finishReasonOrThrow(reason: string | undefined, hasFunctionCalls: boolean): OpenAIFinishReason {
  const mapping = mapFinishReason(reason, { hasFunctionCalls });
  if ('finishReason' in mapping) return mapping.finishReason;
  throw new UpstreamFailure({ provider: 'gemini', ...mapping.failure });
}

function convertCandidate(candidate: Candidate, position: number, context: ResponseContext): ChatCompletion.Choice {
  const parts = candidate.content?.parts ?? [];
  const mint = context.mintToolCallId ?? mintToolCallId;
  const toolCalls = parts.map((part) => toOpenAIToolCall(part, mint)).filter((call) => call !== undefined);
  const message: ChatCompletion.Choice['message'] = {
    role: 'assistant',
    content: visibleText(parts) ?? null,
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    index: candidate.index ?? position,
    message,
    logprobs: context.includeLogprobs ? convertLogprobs(candidate.logprobsResult) : null,
    finish_reason: finishReasonOrThrow(candidate.finishReason, toolCalls.length > 0),
  };
}

function blockedPromptChoice(response: GeminiResponse): ChatCompletion.Choice {
  if (response.promptFeedback?.blockReason === undefined) {
    throw new UpstreamFailure({
      provider: 'gemini',
      kind: 'server',
      code: 'malformed_response',
      message: 'Gemini answered without any candidate and without saying why.',
    });
  }
  return {
    index: 0,
    message: { role: 'assistant', content: null, refusal: null },
    logprobs: null,
    finish_reason: 'content_filter',
  };
}
