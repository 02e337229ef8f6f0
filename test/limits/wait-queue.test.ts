import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TryResult, WaitQueue } from '../../src/limits/wait-queue.ts';
import { ManualClock } from '../support/manual-clock.ts';

/** A pool of `free` slots the waiters compete for. */
function slots(initial: number) {
  const state = { free: initial };
  const attempt = (name: string, order: string[]) => (): TryResult<string> => {
    if (state.free <= 0) return { waitMs: Number.POSITIVE_INFINITY };
    state.free--;
    order.push(name);
    return { value: name };
  };
  return { state, attempt };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('wait queue', () => {
  it('serves waiters in arrival order as slots free, one slot to one waiter', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock, 10);
    const { state, attempt } = slots(0);
    const order: string[] = [];
    const signal = new AbortController().signal;
    const options = { firstWaitMs: Number.POSITIVE_INFINITY, until: clock.now() + 5000, signal, keys: ['k'] };
    const waits = ['a', 'b', 'c'].map((name) => queue.wait(attempt(name, order), options));
    assert.equal(queue.length, 3);
    assert.equal(queue.waitingFor('k'), 3);
    state.free = 1;
    queue.notify();
    state.free += 2;
    queue.notify();
    assert.deepEqual(await Promise.all(waits), ['a', 'b', 'c']);
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.equal(queue.length, 0);
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  it('tries again at the wait a waiter was told, and gives up at its bound', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock, 10);
    let openAt = clock.now() + 1500;
    const attempt = (): TryResult<string> =>
      clock.now() >= openAt ? { value: 'in' } : { waitMs: openAt - clock.now() };
    const signal = new AbortController().signal;
    const served = queue.wait(attempt, { firstWaitMs: 1500, until: clock.now() + 2000, signal, keys: [] });
    clock.advance(1499);
    await tick();
    assert.equal(queue.length, 1);
    clock.advance(1);
    assert.equal(await served, 'in');

    openAt = clock.now() + 1500;
    const timedOut = queue.wait(attempt, { firstWaitMs: 1500, until: clock.now() + 2000, signal, keys: [] });
    openAt += 8500; // the budget was taken meanwhile: the next try learns of a wait past the bound
    clock.advance(1500);
    assert.equal(await timedOut, undefined, 'leaves as soon as it knows it cannot be served in time');
    assert.equal(queue.length, 0);

    let free = false;
    const unknown = queue.wait(
      (): TryResult<string> => (free ? { value: 'slot' } : { waitMs: Number.POSITIVE_INFINITY }),
      {
        firstWaitMs: Number.POSITIVE_INFINITY,
        until: clock.now() + 2000,
        signal,
        keys: [],
      },
    );
    queue.notify();
    assert.equal(queue.length, 1, 'an unknown wait stays until its bound');
    clock.advance(1999);
    free = true;
    queue.notify();
    assert.equal(await unknown, 'slot');
  });

  it('lets a client that disconnects leave the queue at once', async () => {
    const clock = new ManualClock();
    const queue = new WaitQueue(clock, 1);
    const controller = new AbortController();
    const waiting = queue.wait(() => ({ waitMs: 100 }), {
      firstWaitMs: 100,
      until: clock.now() + 1000,
      signal: controller.signal,
      keys: [],
    });
    assert.equal(queue.full, true);
    controller.abort(new Error('client gone'));
    await assert.rejects(waiting, /client gone/);
    assert.equal(queue.length, 0);
    assert.equal(queue.full, false);
    assert.equal(clock.pending, 0);
  });
});
