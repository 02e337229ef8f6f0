/**
 * Gemini `GenerateContentResponse` → OpenAI `chat.completion` (node_modules/@google/genai/dist/genai.d.ts:
 * `GenerateContentResponse { candidates, promptFeedback, usageMetadata, modelVersion, responseId }`,
 * `Candidate { content, finishReason, index, logprobsResult }`; https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse).
 *
 * One choice per candidate. `content` joins the text parts, leaving out `thought` parts (thinking summaries
 * are not part of the answer; with the request's opt-in they become `reasoning_content`); it is null when the
 * candidate has no text. Function calls become `tool_calls` with ids from tool-call-ids.ts, and with their
 * thought signature as `extra_content.google.thought_signature` (thought-signatures.ts). A prompt Gemini refused (`promptFeedback.blockReason`, no candidates) is an
 * answer with `finish_reason: content_filter` and no content, like OpenAI's own filtered answers.
 */
import type { Candidate, GenerateContentResponse, Part } from '@google/genai';
import type { ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import type { ChatCompletion } from '../types.ts';
import { UpstreamFailure } from '../upstream-failure.ts';
import { convertLogprobs } from './convert-logprobs.ts';
import { mapFinishReason, type OpenAIFinishReason } from './map-finish-reason.ts';
import { type SignatureMemory, signatureExtra } from './thought-signatures.ts';
import { mintToolCallId, randomBase62, toolCallIdFor } from './tool-call-ids.ts';
import { convertUsage } from './usage.ts';

/**
 * The data fields of the SDK's `GenerateContentResponse` class (its getters `text`, `functionCalls`, ... are
 * conveniences this module does not use), so plain recorded responses convert too.
 */
export type GeminiResponse = Pick<
  GenerateContentResponse,
  'candidates' | 'promptFeedback' | 'usageMetadata' | 'modelVersion' | 'responseId'
>;

export interface ResponseContext {
  /** The model the call asked for; the answer names `modelVersion` instead when Gemini sends it. */
  model: string;
  /** The request asked for logprobs (`logprobs: true`). */
  includeLogprobs: boolean;
  /** Unix seconds; injectable for tests. */
  created?: number;
  mintToolCallId?: () => string;
  /** Add thought parts as `reasoning_content` (opt-in). */
  includeReasoning?: boolean;
  /** Where each tool call's thought signature is remembered for the next request. */
  signatures?: SignatureMemory;
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
  const texts = parts
    .filter((part) => typeof part.text === 'string' && part.thought !== true)
    .map((part) => part.text ?? '');
  return texts.length > 0 ? texts.join('') : undefined;
}

/** Text of the candidate's thought parts (Gemini's thinking summaries); undefined when there is none. */
export function thoughtText(parts: readonly Part[]): string | undefined {
  const texts = parts
    .filter((part) => part.thought === true && typeof part.text === 'string' && part.text !== '')
    .map((part) => part.text ?? '');
  return texts.length > 0 ? texts.join('') : undefined;
}

/** An OpenAI tool call plus Google's `extra_content` carrying the thought signature. */
export type GeminiToolCall = ChatCompletionMessageToolCall & {
  extra_content?: { google: { thought_signature: string } };
};

export function toOpenAIToolCall(
  part: Part,
  mint: () => string,
  signatures?: SignatureMemory,
): GeminiToolCall | undefined {
  const call = part.functionCall;
  if (!call) return undefined;
  const id = toolCallIdFor(call, mint);
  const signature =
    typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '' ? part.thoughtSignature : undefined;
  if (signature !== undefined) signatures?.set(id, signature);
  return {
    id,
    type: 'function',
    // No arguments is `{}`: clients (the openai SDK's parse() among them) JSON.parse every call's arguments.
    function: { name: call.name ?? '', arguments: JSON.stringify(call.args ?? {}) },
    ...(signature !== undefined ? signatureExtra(signature) : {}),
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
  const toolCalls = parts
    .map((part) => toOpenAIToolCall(part, mint, context.signatures))
    .filter((call) => call !== undefined);
  const reasoning = context.includeReasoning ? thoughtText(parts) : undefined;
  const message: ChatCompletion.Choice['message'] & { reasoning_content?: string } = {
    role: 'assistant',
    content: visibleText(parts) ?? null,
    refusal: null,
    ...(reasoning !== undefined ? { reasoning_content: reasoning } : {}),
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
