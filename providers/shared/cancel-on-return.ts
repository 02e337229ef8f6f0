/**
 * The stream every provider hands routing: items passed on one at a time as they arrive, with an honest end.
 *
 * - the upstream request is cancelled (`controller.abort()`) however iteration ends: done, thrown, or
 *   `return()`ed — even before the first `next()`, where an async generator that was never entered would
 *   ignore `return()`, and while a `next()` is pending, where a generator's own `finally` would wait for it;
 * - a failure while reading becomes what `mapError` makes of it; once the consumer has returned, a failure
 *   the cancellation caused is nobody's concern and ends the stream quietly;
 * - when the call's signal aborted, its reason is what the consumer sees, even if the source then ended
 *   quietly (a body cut by our own abort would otherwise look like a complete answer);
 * - with `mustFinish`, a source that ends cleanly without a finishing item was cut short (a proxy closing
 *   the connection gracefully, a server dying between events): the consumer gets `cutShort()`, not success.
 *
 * A hand-written iterator rather than a generator: it sits on the passthrough's per-event path.
 */

/** Something to iterate once, with the controller that cancels the upstream request behind it. */
export interface CancellableSource<T> extends AsyncIterable<T> {
  controller: AbortController;
}

export interface CancelOnReturnOptions<T> {
  /** The call's signal: when it aborted, its reason is what the consumer sees. */
  signal: AbortSignal;
  /** What a failure while reading becomes (an UpstreamFailure; the provider knows how). */
  mapError: (error: unknown) => unknown;
  /** For a stream that must say it finished (`finish_reason`, `[DONE]`): what finishing looks like. */
  mustFinish?: { finishes: (item: T) => boolean; cutShort: () => unknown };
}

export function cancelOnReturn<T>(source: CancellableSource<T>, options: CancelOnReturnOptions<T>): AsyncIterable<T> {
  let consumed = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      if (consumed) throw new Error('This stream was already consumed');
      consumed = true;
      return cancellingIterator(source, options);
    },
  };
}

function cancellingIterator<T>(
  source: CancellableSource<T>,
  { signal, mapError, mustFinish }: CancelOnReturnOptions<T>,
): AsyncIterator<T> {
  let upstream: AsyncIterator<T> | undefined;
  let finished = false;
  let returned = false;
  let sawFinish = mustFinish === undefined;
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
        if (returned) return done;
        throw mapError(error);
      }
      if (!result.done) {
        if (!sawFinish && mustFinish?.finishes(result.value)) sawFinish = true;
        return result;
      }
      finished = true;
      source.controller.abort();
      if (signal.aborted) throw signal.reason;
      if (!sawFinish && mustFinish) throw mustFinish.cutShort();
      return done;
    },
    async return(): Promise<IteratorResult<T>> {
      returned = true;
      if (!finished) await stop();
      return done;
    },
  };
}
