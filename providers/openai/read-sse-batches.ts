/**
 * An OpenAI(-compatible) event stream as the client will receive it: the upstream's own bytes, cut only at
 * event boundaries, with what routing must know of them read on the way — whether a token has arrived (the
 * commit point), whether the answer finished, the usage, the upstream's `[DONE]`, and an in-stream error
 * event (which becomes an `UpstreamFailure`: the gateway ends the stream with its own error event).
 *
 * Why not parse and re-serialise every chunk: it costs a JSON parse and stringify per event and drops nothing
 * only as long as the gateway knows every field. Events are parsed only until the first token (a handful),
 * and afterwards only those whose text shows a top-level `error`, a `finish_reason` string or a `usage`
 * object. These markers cannot appear inside a JSON string value unescaped: a `"` in a string is always `\"`.
 *
 * Each network read gives at most one batch: every event it completed, as one contiguous slice of the
 * upstream's bytes (so writing a batch is one write, whatever the number of events in it).
 */

import { carriesToken } from '../shared/carries-token.ts';
import { parseSseBlock } from '../shared/parse-sse.ts';
import type { ChatCompletionChunk, CompletionUsage, RawSseBatch } from '../types.ts';
import { type MapErrorContext, malformedResponse, mapStreamErrorEvent } from './openai-failure.ts';

const LF = 10;
const CR = 13;
const FINISH = /"finish_reason"\s*:\s*"/;
const USAGE = /"usage"\s*:\s*\{/;
const ERROR = /"error"\s*:/;
/** Anything in a read after the commit point that needs a closer look. */
const MARKERS = /"error"\s*:|"finish_reason"\s*:\s*"|"usage"\s*:\s*\{|\[DONE\]/;

export async function* readSseBatches(
  body: AsyncIterable<Uint8Array>,
  context: MapErrorContext,
): AsyncGenerator<RawSseBatch, void, undefined> {
  const decoder = new TextDecoder();
  const state: ReadState = { committed: false, done: false };
  let pending: Uint8Array | undefined;
  for await (const piece of body) {
    const bytes = pending ? concat(pending, piece) : piece;
    const batch = inspect(bytes, decoder, state, context);
    const used = batch.bytes.length;
    pending = !state.done && used < bytes.length ? bytes.slice(used) : undefined;
    if (used > 0) yield batch;
    if (state.done) return;
  }
  if (pending && pending.length > 0) {
    // A last event without its blank line: still an event (as in the EventSource parser); the client gets
    // it with the blank line it lacked.
    const batch = inspect(concat(pending, new Uint8Array([LF, LF])), decoder, state, context);
    if (batch.bytes.length > 0) yield batch;
  }
}

interface ReadState {
  /** A token has been seen: from here on, events are scanned, not parsed. */
  committed: boolean;
  done: boolean;
}

/**
 * The complete events at the start of `bytes`, what they say, and the bytes to relay: all of them, up to an
 * error event (thrown) or `[DONE]` (included; nothing after it). An incomplete event at the end is left out.
 */
function inspect(bytes: Uint8Array, decoder: TextDecoder, state: ReadState, context: MapErrorContext): RawSseBatch {
  if (state.committed && endsWithEvent(bytes) && !MARKERS.test(decoder.decode(bytes))) {
    // The common read after the commit point: whole content events, nothing routing needs to know.
    return { bytes, token: false, finish: false, done: false };
  }
  const batch: RawSseBatch = { bytes, token: false, finish: false, done: false };
  let start = 0;
  for (;;) {
    const end = nextEventEnd(bytes, start);
    if (end > bytes.length) break;
    const text = decoder.decode(bytes.subarray(start, end));
    const message = parseSseBlock(text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text);
    start = end;
    if (!message) continue;
    if (message.data === '[DONE]') {
      state.done = true;
      batch.done = true;
      break;
    }
    readEvent(message.data, batch, state, context);
  }
  batch.bytes = bytes.subarray(0, start);
  return batch;
}

function readEvent(data: string, batch: RawSseBatch, state: ReadState, context: MapErrorContext): void {
  if (state.committed && !ERROR.test(data) && !FINISH.test(data) && !USAGE.test(data)) return;
  const chunk = parse(data, context);
  if (!state.committed && carriesToken(chunk)) {
    state.committed = true;
    batch.token = true;
  }
  if (chunk.choices?.some((choice) => choice.finish_reason != null)) batch.finish = true;
  if (chunk.usage) batch.usage = chunk.usage as CompletionUsage;
}

function parse(data: string, context: MapErrorContext): ChatCompletionChunk {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw malformedResponse();
  }
  if (typeof parsed !== 'object' || parsed === null) throw malformedResponse();
  if ('error' in parsed && (parsed as { error: unknown }).error) throw mapStreamErrorEvent(parsed, context);
  return parsed as ChatCompletionChunk;
}

/** Whether `bytes` ends exactly at the end of an event, with LF line ends only (what OpenAI sends). */
function endsWithEvent(bytes: Uint8Array): boolean {
  const length = bytes.length;
  return length >= 2 && bytes[length - 1] === LF && bytes[length - 2] === LF && bytes.indexOf(CR) === -1;
}

/**
 * The end of the event that starts at `from`: the index just past the blank line ending it (LF, CRLF or CR
 * line ends), or `bytes.length + 1` when the event is not complete yet.
 */
function nextEventEnd(bytes: Uint8Array, from: number): number {
  if (bytes.indexOf(CR, from) === -1) {
    // The usual case: LF only. A blank line is two LFs in a row.
    for (let at = bytes.indexOf(LF, from); at !== -1; at = bytes.indexOf(LF, at + 1)) {
      if (bytes[at + 1] === LF) return at + 2;
    }
    return bytes.length + 1;
  }
  let previousWasEol = false;
  for (let at = from; at < bytes.length; at++) {
    const byte = bytes[at];
    if (byte !== LF && byte !== CR) {
      previousWasEol = false;
      continue;
    }
    // CRLF is one line end; a CR at the very end may still be followed by its LF.
    if (byte === CR && at + 1 >= bytes.length) return bytes.length + 1;
    const width = byte === CR && bytes[at + 1] === LF ? 2 : 1;
    if (previousWasEol) return at + width;
    previousWasEol = true;
    at += width - 1;
  }
  return bytes.length + 1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
