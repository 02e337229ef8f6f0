/**
 * Passes a stream read from the upstream on, one item at a time as it arrives, and makes its ending honest.
 * Used for both of the passthrough's stream shapes: parsed chunks (a stream rebuilt into JSON) and raw SSE
 * batches (a stream relayed to a streaming client byte for byte).
 *
 * - errors become `UpstreamFailure`s (via `mapError`), and an abort by the call's signal surfaces as the
 *   signal's reason: a body cut by our own abort would otherwise look like a complete answer;
 * - `return()` cancels the upstream request even when iteration never started (an async generator that was
 *   never entered ignores `return()`);
 * - a stream that ends cleanly without any finish reason was truncated (a proxy closing the connection
 *   gracefully, a server dying between events): that is `stream_interrupted`, not success.
 */
import { UpstreamFailure } from '../upstream-failure.ts';
import { PROVIDER_NAME } from './openai-failure.ts';

/** Something to iterate once, with the controller that cancels the upstream request behind it. */
export interface CancellableSource<T> extends AsyncIterable<T> {
  controller: AbortController;
}

export interface RelayOptions<T> {
  /** The call's signal: when it aborted, its reason is what the consumer sees. */
  signal: AbortSignal;
  mapError: (error: unknown) => UpstreamFailure;
  /** Whether an item says the answer is finished (a `finish_reason`, or the upstream's `[DONE]`). */
  finishes: (item: T) => boolean;
}

export function relayStream<T>(source: CancellableSource<T>, options: RelayOptions<T>): AsyncIterable<T> {
  let consumed = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      if (consumed) throw new Error('This stream was already consumed');
      consumed = true;
      return relayIterator(source, options);
    },
  };
}

function relayIterator<T>(
  source: CancellableSource<T>,
  { signal, mapError, finishes }: RelayOptions<T>,
): AsyncIterator<T> {
  let upstream: AsyncIterator<T> | undefined;
  let finished = false;
  let sawFinish = false;
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
    async next(): Promise<IteratorResult<T>> {
      if (finished) return done;
      let result: IteratorResult<T>;
      try {
        upstream ??= source[Symbol.asyncIterator]();
        result = await upstream.next();
      } catch (error) {
        await stop();
        if (signal.aborted) throw signal.reason;
        throw mapError(error);
      }
      if (!result.done) {
        if (!sawFinish && finishes(result.value)) sawFinish = true;
        return result;
      }
      finished = true;
      if (signal.aborted) throw signal.reason;
      if (!sawFinish) {
        throw new UpstreamFailure({
          provider: PROVIDER_NAME,
          kind: 'stream_interrupted',
          code: 'missing_finish_reason',
          message: 'The stream from OpenAI ended before the answer was finished',
        });
      }
      return done;
    },
    async return(): Promise<IteratorResult<T>> {
      if (!finished) await stop();
      return done;
    },
  };
}
