/**
 * Gemini stream chunks (`GenerateContentResponse`s from `generateContentStream`, SSE `?alt=sse`) → OpenAI
 * `chat.completion.chunk` objects, in OpenAI's exact sequence
 * (https://platform.openai.com/docs/api-reference/chat-streaming):
 *
 * 1. per choice, a first chunk with `delta: { role: 'assistant', content: '' }`;
 * 2. text deltas `{ content }` (thought parts left out, or sent as `{ reasoning_content }` when the request
 *    opted in);
 * 3. each function call, which Gemini sends whole in one chunk, as one delta
 *    `{ tool_calls: [{ index, id, type: 'function', function: { name, arguments }, extra_content? }] }`,
 *    `index` counting the choice's calls from 0 across the whole stream, `extra_content.google.thought_signature`
 *    when the part carried a signature, arguments `{}` for a call without any. A call whose arguments Gemini
 *    streams in pieces (`willContinue`, assemble-function-call.ts) goes out once it is whole;
 * 4. per choice, a chunk with an empty delta and the finish reason (map-finish-reason.ts, with "a function call
 *    was seen in this stream" as context);
 * 5. with `includeUsage`: every chunk above carries `usage: null`, and one last chunk has `choices: []` and the
 *    usage of Gemini's last `usageMetadata` (cumulative, so the last one is the total).
 *
 * One id for the whole stream. No `[DONE]`: writing the SSE terminator is the HTTP layer's job. A stream that
 * ends before every choice finished throws `stream_interrupted`: a silent clean end would pass a truncated answer
 * off as complete.
 */
import type { Candidate, GenerateContentResponseUsageMetadata, Part } from '@google/genai';
import type { ChatCompletionChunk } from '../types.ts';
import { UpstreamFailure } from '../upstream-failure.ts';
import { closedCall, continueCall, openCall, type PendingCall } from './assemble-function-call.ts';
import { convertLogprobs } from './convert-logprobs.ts';
import { completionId, finishReasonOrThrow, type GeminiResponse, toOpenAIToolCall } from './convert-response.ts';
import type { OpenAIFinishReason } from './map-finish-reason.ts';
import type { SignatureMemory } from './thought-signatures.ts';
import { mintToolCallId } from './tool-call-ids.ts';
import { convertUsage } from './usage.ts';

export interface StreamContext {
  /** The model the call asked for; chunks name `modelVersion` instead when Gemini sends it. */
  model: string;
  includeUsage: boolean;
  includeLogprobs: boolean;
  /** Unix seconds; injectable for tests. */
  created?: number;
  mintToolCallId?: () => string;
  /** Send thought parts as `reasoning_content` deltas (opt-in). */
  includeReasoning?: boolean;
  /** Where each tool call's thought signature is remembered for the next request. */
  signatures?: SignatureMemory;
}

type ChunkChoice = ChatCompletionChunk.Choice;

interface ChoiceState {
  toolCalls: number;
  finished: boolean;
  /** A function call whose arguments are still arriving. */
  pending?: PendingCall;
}

export async function* parseGeminiStream(
  chunks: AsyncIterable<GeminiResponse>,
  context: StreamContext,
): AsyncGenerator<ChatCompletionChunk> {
  const mint = context.mintToolCallId ?? mintToolCallId;
  const created = context.created ?? Math.floor(Date.now() / 1000);
  const choices = new Map<number, ChoiceState>();
  let header: { id: string; model: string } | undefined;
  let usage: GenerateContentResponseUsageMetadata | undefined;

  const chunk = (choiceList: ChunkChoice[]): ChatCompletionChunk => {
    const out: ChatCompletionChunk = {
      id: header?.id ?? '',
      object: 'chat.completion.chunk',
      created,
      model: header?.model ?? context.model,
      choices: choiceList,
    };
    if (context.includeUsage) out.usage = null;
    return out;
  };
  const delta = (index: number, value: ChunkChoice['delta'], extra: Partial<ChunkChoice> = {}): ChatCompletionChunk =>
    chunk([{ index, delta: value, logprobs: null, finish_reason: null, ...extra }]);

  function* start(index: number): Generator<ChatCompletionChunk, ChoiceState> {
    let state = choices.get(index);
    if (!state) {
      state = { toolCalls: 0, finished: false };
      choices.set(index, state);
      yield delta(index, { role: 'assistant', content: '' });
    }
    return state;
  }

  function* candidateChunks(candidate: Candidate, index: number): Generator<ChatCompletionChunk> {
    const state = yield* start(index);
    if (state.finished) return;
    let text = '';
    let logprobsSent = false;
    const flushText = function* (): Generator<ChatCompletionChunk> {
      if (text === '') return;
      const logprobs = context.includeLogprobs && !logprobsSent ? convertLogprobs(candidate.logprobsResult) : null;
      logprobsSent = logprobsSent || logprobs !== null;
      yield delta(index, { content: text }, { logprobs });
      text = '';
    };
    const emitCall = function* (part: Part): Generator<ChatCompletionChunk> {
      const call = toOpenAIToolCall(part, mint, context.signatures);
      if (call?.type !== 'function') return;
      yield* flushText();
      const { id, function: fn } = call;
      const extra = call.extra_content ? { extra_content: call.extra_content } : {};
      yield delta(index, { tool_calls: [{ index: state.toolCalls++, id, type: 'function', function: fn, ...extra }] });
    };
    for (const part of candidate.content?.parts ?? []) {
      const functionCall = part.functionCall;
      if (state.pending && functionCall) {
        if (continueCall(state.pending, functionCall)) {
          const { thoughtSignature } = state.pending;
          const whole: Part = {
            functionCall: closedCall(state.pending),
            ...(thoughtSignature ? { thoughtSignature } : {}),
          };
          state.pending = undefined;
          yield* emitCall(whole);
        }
        continue;
      }
      if (functionCall?.willContinue === true) {
        state.pending = openCall(functionCall, part.thoughtSignature);
        continue;
      }
      if (typeof part.text === 'string' && part.thought === true) {
        if (context.includeReasoning && part.text !== '') {
          yield* flushText();
          const reasoning: ChunkChoice['delta'] & { reasoning_content: string } = { reasoning_content: part.text };
          yield delta(index, reasoning);
        }
      } else if (typeof part.text === 'string') {
        text += part.text;
      }
      yield* emitCall(part);
    }
    yield* flushText();
    if (candidate.finishReason !== undefined) {
      if (state.pending)
        throw brokenStream(`the function call ${state.pending.name} was still open when the candidate finished`);
      const finish: OpenAIFinishReason = finishReasonOrThrow(candidate.finishReason, state.toolCalls > 0);
      state.finished = true;
      yield delta(index, {}, { finish_reason: finish });
    }
  }

  for await (const response of chunks) {
    header ??= { id: completionId(response.responseId), model: response.modelVersion ?? context.model };
    if (response.usageMetadata) usage = response.usageMetadata;
    const candidates = response.candidates ?? [];
    if (candidates.length === 0 && response.promptFeedback?.blockReason !== undefined) {
      const state = yield* start(0);
      if (!state.finished) {
        state.finished = true;
        yield delta(0, {}, { finish_reason: 'content_filter' });
      }
      continue;
    }
    for (const [position, candidate] of candidates.entries())
      yield* candidateChunks(candidate, candidate.index ?? position);
  }

  if (choices.size === 0 || [...choices.values()].some((state) => !state.finished)) {
    throw new UpstreamFailure({
      provider: 'gemini',
      kind: 'stream_interrupted',
      code: 'incomplete_stream',
      message: "Gemini's stream ended before the answer finished.",
    });
  }
  if (context.includeUsage) yield { ...chunk([]), usage: convertUsage(usage) };
}

function brokenStream(detail: string): UpstreamFailure {
  return new UpstreamFailure({
    provider: 'gemini',
    kind: 'stream_interrupted',
    code: 'protocol_violation',
    message: `Gemini stream broke protocol: ${detail}`,
  });
}
