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

export function sseStream(
  chunks: AsyncGenerator<ChatCompletionChunk, void, undefined>,
  onEnd: (end: SseEnd, last: ChatCompletionChunk | undefined) => void,
): ReadableStream<Uint8Array> {
  let last: ChatCompletionChunk | undefined;
  let ended = false;
  const finish = (end: SseEnd) => {
    if (ended) return;
    ended = true;
    onEnd(end, last);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) {
          controller.enqueue(DONE);
          controller.close();
          finish({ ok: true });
          return;
        }
        last = next.value;
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
      } catch (error) {
        const body = streamErrorBody(error);
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(body)}\n\n`));
        controller.close();
        finish({ ok: false, error: body.error });
      }
    },
    async cancel() {
      finish({ ok: false, cancelled: true });
      await chunks.return(undefined);
    },
  });
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
  let ended = false;
  const finish = (end: SseEnd) => {
    if (ended) return;
    ended = true;
    onEnd(end, usage);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await batches.next();
        if (next.done) {
          if (!sawDone) controller.enqueue(DONE);
          controller.close();
          finish({ ok: true });
          return;
        }
        const batch = next.value;
        if (batch.usage) usage = batch.usage;
        if (batch.done) sawDone = true;
        controller.enqueue(batch.bytes);
      } catch (error) {
        const body = streamErrorBody(error);
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(body)}\n\n`));
        controller.close();
        finish({ ok: false, error: body.error });
      }
    },
    async cancel() {
      finish({ ok: false, cancelled: true });
      await batches.return(undefined);
    },
  });
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
  return { error: { message: 'The stream failed after it started.', type: 'server_error', param: null, code: 'stream_failed' } };
}
