/**
 * Writes a stream to the client as server-sent events: OpenAI chunks one `data:` line each (translated
 * providers), or an upstream's own events byte for byte (the passthrough), ending with `data: [DONE]`.
 * A failure after the stream has started becomes an OpenAI-style error event and the stream ends there:
 * never a silent clean end that a client would take for a complete answer.
 */
import type { ChatCompletionChunk, CompletionUsage, RawSseBatch } from '../../providers/types.ts';
import { isUpstreamFailure } from '../../providers/upstream-failure.ts';
import type { OpenAIErrorBody } from '../gateway-error.ts';

const encoder = new TextEncoder();
const DONE = encoder.encode('data: [DONE]\n\n');

export interface SseEnd {
  ok: boolean;
  error?: OpenAIErrorBody['error'];
  /** The client went away before the end. */
  cancelled?: boolean;
}

/** How one kind of item is written, and what the stream learned from the items when it ends. */
interface SseWriter<T> {
  /** The bytes for one item. */
  bytes(item: T): Uint8Array;
  /** Whether the items already ended with `data: [DONE]` (an upstream's own). */
  sentDone(): boolean;
}

/** The one loop both writers share: items out as they come, then `[DONE]`, or an error event on failure. */
function writeSse<T>(
  items: AsyncGenerator<T, void, undefined>,
  writer: SseWriter<T>,
  onEnd: (end: SseEnd) => void,
): ReadableStream<Uint8Array> {
  let ended = false;
  const finish = (end: SseEnd) => {
    if (ended) return;
    ended = true;
    onEnd(end);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await items.next();
        if (next.done) {
          if (!writer.sentDone()) controller.enqueue(DONE);
          controller.close();
          finish({ ok: true });
          return;
        }
        controller.enqueue(writer.bytes(next.value));
      } catch (error) {
        const body = streamErrorBody(error);
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(body)}\n\n`));
        controller.close();
        finish({ ok: false, error: body.error });
      }
    },
    async cancel() {
      finish({ ok: false, cancelled: true });
      await items.return(undefined);
    },
  });
}

/** Chunks from a translating provider, one `data:` event each. */
export function sseStream(
  chunks: AsyncGenerator<ChatCompletionChunk, void, undefined>,
  onEnd: (end: SseEnd, last: ChatCompletionChunk | undefined) => void,
): ReadableStream<Uint8Array> {
  let last: ChatCompletionChunk | undefined;
  const writer: SseWriter<ChatCompletionChunk> = {
    bytes(chunk) {
      last = chunk;
      return encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
    },
    sentDone: () => false,
  };
  return writeSse(chunks, writer, (end) => onEnd(end, last));
}

/**
 * Relays an upstream's events as they came. `[DONE]` is the upstream's own when it sent one; the gateway
 * adds it only for an upstream that ended cleanly without it.
 */
export function relaySseStream(
  batches: AsyncGenerator<RawSseBatch, void, undefined>,
  onEnd: (end: SseEnd, usage: CompletionUsage | undefined) => void,
): ReadableStream<Uint8Array> {
  let usage: CompletionUsage | undefined;
  let sawDone = false;
  const writer: SseWriter<RawSseBatch> = {
    bytes(batch) {
      if (batch.usage) usage = batch.usage;
      if (batch.done) sawDone = true;
      return batch.bytes;
    },
    sentDone: () => sawDone,
  };
  return writeSse(batches, writer, (end) => onEnd(end, usage));
}

export function streamErrorBody(error: unknown): OpenAIErrorBody {
  if (isUpstreamFailure(error)) {
    return {
      error: {
        message: `The ${error.provider} stream failed after it started: ${error.message}`,
        type: 'upstream_error',
        param: null,
        code: error.kind === 'timeout' ? (error.code ?? 'timeout') : error.kind,
      },
    };
  }
  return {
    error: { message: 'The stream failed after it started.', type: 'server_error', param: null, code: 'stream_failed' },
  };
}
