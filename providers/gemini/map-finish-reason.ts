/**
 * Gemini `finishReason` → OpenAI `finish_reason`, or a failure when there is no honest equivalent.
 *
 * Values from node_modules/@google/genai/dist/genai.d.ts (`enum FinishReason`, `enum BlockedReason`):
 * - STOP → `stop`, but `tool_calls` when the candidate called a function (Gemini says STOP for both);
 * - MAX_TOKENS, and CONTINUATION ("reached the per-request token limit, but generation is not yet complete";
 *   the provider turns automatic continuation off) → `length`;
 * - SAFETY, RECITATION, LANGUAGE, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY, IMAGE_PROHIBITED_CONTENT,
 *   IMAGE_RECITATION, ESCALATION, MODEL_ARMOR → `content_filter` (Gemini withheld or cut the answer by policy);
 * - everything else is a failure, never a silent `stop`: MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL,
 *   TOO_MANY_TOOL_CALLS, MALFORMED_RESPONSE (the model produced no usable answer; sampling again, here or
 *   elsewhere, may succeed), MISSING_THOUGHT_SIGNATURE, NO_IMAGE, IMAGE_OTHER, OTHER, FINISH_REASON_UNSPECIFIED,
 *   a missing reason and values this SDK does not know → kind `server` with the reason as code;
 *   PUP_LIMITED_DISABLED (the account is limited for policy violations) → kind `permission`.
 *
 * A prompt Gemini refused outright (`promptFeedback.blockReason`, no candidates) is `content_filter` too; see
 * convert-response.ts and parse-stream.ts.
 */
import type { ChatCompletion } from '../types.ts';
import type { FailureKind } from '../upstream-failure.ts';

export type OpenAIFinishReason = ChatCompletion.Choice['finish_reason'];

export type FinishMapping =
  | { finishReason: OpenAIFinishReason }
  | { failure: { kind: FailureKind; code: string; message: string } };

export interface FinishContext {
  /** The candidate (or, in a stream, any chunk of it) contained a `functionCall` part. */
  hasFunctionCalls: boolean;
}

const CONTENT_FILTER = new Set([
  'SAFETY',
  'RECITATION',
  'LANGUAGE',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'ESCALATION',
  'MODEL_ARMOR',
]);

export function mapFinishReason(reason: string | undefined, context: FinishContext): FinishMapping {
  if (reason === 'STOP') return { finishReason: context.hasFunctionCalls ? 'tool_calls' : 'stop' };
  if (reason === 'MAX_TOKENS' || reason === 'CONTINUATION') return { finishReason: 'length' };
  if (reason !== undefined && CONTENT_FILTER.has(reason)) return { finishReason: 'content_filter' };
  if (reason === 'PUP_LIMITED_DISABLED') {
    return {
      failure: {
        kind: 'permission',
        code: reason,
        message: 'Gemini refused to generate: the account is limited for policy violations (PUP_LIMITED_DISABLED).',
      },
    };
  }
  const code = reason ?? 'missing_finish_reason';
  return {
    failure: {
      kind: 'server',
      code,
      message:
        reason === undefined
          ? 'Gemini ended the answer without a finish reason.'
          : `Gemini ended the answer with finishReason ${reason}, which has no OpenAI equivalent.`,
    },
  };
}
