/**
 * Passes the SDK's stream of chunks on, one at a time as they arrive, and makes its ending honest.
 *
 * The SDK's `Stream` (node_modules/openai/src/core/streaming.ts) already parses each SSE event, throws an
 * `APIError` for an in-stream `{"error":...}` event and stops at `data: [DONE]`. Three things it does not do
 * for a gateway, and this does:
 * - errors become `UpstreamFailure`s (via `mapError`), and an abort by the call's signal surfaces as the
 *   signal's reason: the SDK ends the iteration silently when its request is aborted, which would look
 *   like a complete answer;
 * - `return()` cancels the upstream request even when iteration never started (an async generator that was
 *   never entered ignores `return()`, and the SDK only aborts from inside its generator);
 * - a stream that ends cleanly without any `finish_reason` was truncated (a proxy closing the connection
 *   gracefully, a server dying between events): that is `stream_interrupted`, not success.
 */
import type { ChatCompletionChunk } from '../types.ts';
import { UpstreamFailure } from '../upstream-failure.ts';
import { PROVIDER_NAME } from './map-error.ts';

/** The part of the SDK's `Stream` this needs (a fake is enough in tests). */
export interface ChunkSource extends AsyncIterable<ChatCompletionChunk> {
  controller: AbortController;
}

export interface RelayOptions {
  /** The call's signal: when it aborted, its reason is what the consumer sees. */
  signal: AbortSignal;
  mapError: (error: unknown) => UpstreamFailure;
}

export function relayStream(source: ChunkSource, options: RelayOptions): AsyncIterable<ChatCompletionChunk> {
  let consumed = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk> {
      if (consumed) throw new Error('This stream of chunks was already consumed');
      consumed = true;
      return relayIterator(source, options);
    },
  };
}

function relayIterator(source: ChunkSource, { signal, mapError }: RelayOptions): AsyncIterator<ChatCompletionChunk> {
  let upstream: AsyncIterator<ChatCompletionChunk> | undefined;
  let finished = false;
  let sawFinishReason = false;
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

  const stop = async (): Promise<void> => {
    finished = true;
    source.controller.abort();
    try {
      await upstream?.return?.();
    } catch {
      // The request is already aborted; a failing cleanup has nothing left to tell.
    }
  };

  return {
    async next(): Promise<IteratorResult<ChatCompletionChunk>> {
      if (finished) return done;
      let result: IteratorResult<ChatCompletionChunk>;
      try {
        upstream ??= source[Symbol.asyncIterator]();
        result = await upstream.next();
      } catch (error) {
        await stop();
        if (signal.aborted) throw signal.reason;
        throw mapError(error);
      }
      if (!result.done) {
        if (result.value.choices?.some((choice) => choice.finish_reason != null)) sawFinishReason = true;
        return result;
      }
      finished = true;
      if (signal.aborted) throw signal.reason;
      if (!sawFinishReason) {
        throw new UpstreamFailure({
          provider: PROVIDER_NAME,
          kind: 'stream_interrupted',
          code: 'missing_finish_reason',
          message: 'The stream from OpenAI ended before the answer was finished',
        });
      }
      return done;
    },
    async return(): Promise<IteratorResult<ChatCompletionChunk>> {
      if (!finished) await stop();
      return done;
    },
  };
}
