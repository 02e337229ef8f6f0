/**
 * Builds a `chat.completion` from the chunks of a stream, for a JSON client whose request was streamed
 * internally (`streamInternally`). It keeps every field the chunks carried, known or not, so that streaming
 * internally never costs the client a field (annotations, `reasoning_content`, Azure content filters,
 * vendor fields):
 * - deltas are merged generically: strings concatenated (content, refusal, reasoning_content, arguments...)
 *   except identifiers and names, which are kept as first given; objects merged; arrays whose elements carry
 *   an `index` (tool calls) merged element by element, other arrays (logprobs, annotations) appended;
 * - choice fields beside the delta (logprobs, content_filter_results...) merged the same way;
 * - top-level fields kept (the last non-null value wins), `obfuscation` (stream padding) dropped.
 */
import type { ChatCompletion, ChatCompletionChunk } from '../../providers/types.ts';

type Json = Record<string, unknown>;

/** Strings that are whole values, not pieces to concatenate. */
const WHOLE_STRINGS: ReadonlySet<string> = new Set(['id', 'type', 'role', 'name', 'object', 'model', 'finish_reason']);
/** Stream-only fields with no meaning in a JSON answer. */
const STREAM_ONLY: ReadonlySet<string> = new Set(['obfuscation', 'object', 'choices']);

export function collectCompletion(chunks: readonly ChatCompletionChunk[]): ChatCompletion {
  const first = chunks[0];
  if (!first) throw new Error('collectCompletion: empty stream');
  const top: Json = {};
  const choices = new Map<number, { message: Json; rest: Json }>();
  for (const chunk of chunks as readonly unknown[] as readonly Json[]) {
    for (const [key, value] of Object.entries(chunk)) {
      if (!STREAM_ONLY.has(key) && value !== null && value !== undefined) top[key] = value;
    }
    const chunkChoices = Array.isArray(chunk.choices) ? (chunk.choices as unknown[]) : [];
    for (const choice of chunkChoices) {
      if (!isRecord(choice)) continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let state = choices.get(index);
      if (!state) {
        state = { message: {}, rest: {} };
        choices.set(index, state);
      }
      for (const [key, value] of Object.entries(choice)) {
        if (key === 'delta') {
          if (isRecord(value)) mergeInto(state.message, value);
        } else if (key !== 'index') {
          mergeField(state.rest, key, value);
        }
      }
    }
  }
  return {
    ...top,
    id: first.id,
    object: 'chat.completion',
    created: first.created,
    model: first.model,
    choices: [...choices.entries()].sort(([a], [b]) => a - b).map(([index, state]) => toChoice(index, state)),
  } as ChatCompletion;
}

function toChoice(index: number, state: { message: Json; rest: Json }): ChatCompletion['choices'][number] {
  const { tool_calls: toolCalls, ...message } = state.message;
  const calls = Array.isArray(toolCalls) ? toolCalls.filter(isRecord).map(toToolCall) : [];
  return {
    ...state.rest,
    index,
    message: {
      ...message,
      role: 'assistant',
      content: typeof message.content === 'string' && message.content !== '' ? message.content : null,
      refusal: typeof message.refusal === 'string' && message.refusal !== '' ? message.refusal : null,
      ...(calls.length ? { tool_calls: calls } : {}),
    },
    logprobs: isRecord(state.rest.logprobs) ? state.rest.logprobs : null,
    // A stream that ended without a finish reason was cut short: report it as such, never as `stop`.
    finish_reason: typeof state.rest.finish_reason === 'string' ? state.rest.finish_reason : 'length',
  } as ChatCompletion['choices'][number];
}

/** A streamed tool call as a message's tool call: no `index`, `type` and `function` always present. */
function toToolCall(call: Json): Json {
  const { index: _index, ...rest } = call;
  const fn = isRecord(rest.function) ? rest.function : {};
  return {
    ...rest,
    id: typeof rest.id === 'string' ? rest.id : '',
    type: typeof rest.type === 'string' ? rest.type : 'function',
    function: {
      ...fn,
      name: typeof fn.name === 'string' ? fn.name : '',
      arguments: typeof fn.arguments === 'string' ? fn.arguments : '',
    },
  };
}

function mergeInto(target: Json, delta: Json): Json {
  for (const [key, value] of Object.entries(delta)) mergeField(target, key, value);
  return target;
}

function mergeField(target: Json, key: string, value: unknown): void {
  if (value === null || value === undefined) {
    if (!(key in target)) target[key] = value;
    return;
  }
  const current = target[key];
  if (typeof value === 'string') {
    target[key] =
      typeof current === 'string' && !WHOLE_STRINGS.has(key)
        ? current + value
        : typeof current === 'string' && current !== ''
          ? current
          : value;
  } else if (Array.isArray(value)) {
    target[key] = mergeArray(Array.isArray(current) ? current : [], value);
  } else if (isRecord(value)) {
    target[key] = mergeInto(isRecord(current) ? current : {}, value);
  } else {
    target[key] = value;
  }
}

/** Elements with an `index` (tool-call deltas) merge into the element of the same index; others are appended. */
function mergeArray(current: unknown[], pieces: unknown[]): unknown[] {
  for (const piece of pieces) {
    if (isRecord(piece) && typeof piece.index === 'number') {
      const existing = current.find((item) => isRecord(item) && item.index === piece.index);
      if (isRecord(existing)) {
        mergeInto(existing, piece);
        continue;
      }
      current.push(mergeInto({}, piece));
    } else {
      current.push(piece);
    }
  }
  return current;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
