/**
 * The stream wrapper all three providers hand routing (providers/shared/cancel-on-return.ts): items passed on
 * as they are, the upstream request cancelled however iteration ends, failures mapped, an honest end.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CancellableSource, cancelOnReturn } from '../../providers/shared/cancel-on-return.ts';
import { isUpstreamFailure, UpstreamFailure } from '../../providers/upstream-failure.ts';

interface Item {
  text: string;
  last?: boolean;
}

/** A source that yields the given items, then optionally throws; `hold` makes the next read wait for abort. */
function fakeSource(
  items: Item[],
  options: { failure?: unknown; hold?: boolean } = {},
): CancellableSource<Item> & { started: boolean; cleanedUp: boolean } {
  const controller = new AbortController();
  const source = {
    controller,
    started: false,
    cleanedUp: false,
    async *[Symbol.asyncIterator]() {
      source.started = true;
      try {
        for (const item of items) yield item;
        if (options.hold) {
          await new Promise((_, reject) =>
            controller.signal.addEventListener('abort', () => reject(new TypeError('terminated')), { once: true }),
          );
        }
        if (options.failure !== undefined) throw options.failure;
      } finally {
        source.cleanedUp = true;
      }
    },
  };
  return source;
}

const mapError = (error: unknown) =>
  isUpstreamFailure(error)
    ? error
    : new UpstreamFailure({ provider: 'p', kind: 'stream_interrupted', message: `mapped: ${String(error)}` });

const cutShort = () => new UpstreamFailure({ provider: 'p', kind: 'stream_interrupted', code: 'cut', message: 'x' });

function wrap(source: CancellableSource<Item>, signal = new AbortController().signal, mustFinish = false) {
  return cancelOnReturn(source, {
    signal,
    mapError,
    ...(mustFinish ? { mustFinish: { finishes: (item: Item) => item.last === true, cutShort } } : {}),
  });
}

async function drain(iterable: AsyncIterable<Item>): Promise<Item[]> {
  const out: Item[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('cancelOnReturn', () => {
  it('passes items on unchanged (same objects, same order), and cancels the request once it ended', async () => {
    const items = [{ text: 'a' }, { text: 'b' }];
    const source = fakeSource(items);
    const seen = await drain(wrap(source));
    assert.equal(seen.length, 2);
    for (const [i, item] of seen.entries()) assert.equal(item, items[i]);
    assert.equal(source.controller.signal.aborted, true, 'what the request held is released');
  });

  it('return() before iterating still cancels the upstream request', async () => {
    const source = fakeSource([{ text: 'a' }]);
    const iterator = wrap(source)[Symbol.asyncIterator]();
    const result = await iterator.return?.();
    assert.equal(result?.done, true);
    assert.equal(source.controller.signal.aborted, true);
    assert.equal(source.started, false);
    assert.equal((await iterator.next()).done, true, 'nothing after return()');
  });

  it('return() while a read is pending cancels it, and the failure the cancel caused is not thrown', async () => {
    const source = fakeSource([{ text: 'a' }], { hold: true });
    const iterator = wrap(source)[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    const pending = iterator.next();
    await iterator.return?.();
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.equal(source.controller.signal.aborted, true);
    assert.equal(source.cleanedUp, true, "the source's own cleanup ran");
  });

  it('return() mid-stream runs the source’s cleanup', async () => {
    const source = fakeSource([{ text: 'a' }, { text: 'b' }]);
    for await (const _ of wrap(source)) break;
    assert.equal(source.controller.signal.aborted, true);
    assert.equal(source.cleanedUp, true);
  });

  it('a failure while reading is mapped, and cancels the request', async () => {
    const source = fakeSource([{ text: 'a' }], { failure: new TypeError('terminated') });
    await assert.rejects(
      drain(wrap(source)),
      (error: unknown) => isUpstreamFailure(error) && error.message === 'mapped: TypeError: terminated',
    );
    assert.equal(source.controller.signal.aborted, true);
  });

  it('when the call’s signal aborted, its reason is thrown, even if the source just ended quietly', async () => {
    const call = new AbortController();
    const reason = new Error('client went away');
    const iterator = wrap(fakeSource([{ text: 'a' }, { text: 'b' }]), call.signal)[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    call.abort(reason);
    assert.equal((await iterator.next()).done, false, 'an item already read');
    await assert.rejects(iterator.next(), (error: unknown) => error === reason);
  });

  it('with mustFinish, a stream that ends cleanly without its finishing item was cut short', async () => {
    const seen: Item[] = [];
    await assert.rejects(
      async () => {
        for await (const item of wrap(fakeSource([{ text: 'a' }, { text: 'b' }]), undefined, true)) seen.push(item);
      },
      (error: unknown) => isUpstreamFailure(error) && error.code === 'cut',
    );
    assert.equal(seen.length, 2);
    const finished = [{ text: 'a' }, { text: 'end', last: true }, { text: 'usage after the end is fine' }];
    assert.equal((await drain(wrap(fakeSource(finished), undefined, true))).length, 3);
  });

  it('can be iterated only once', async () => {
    const stream = wrap(fakeSource([{ text: 'a' }]));
    await drain(stream);
    assert.throws(() => stream[Symbol.asyncIterator]());
  });
});
