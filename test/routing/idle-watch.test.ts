import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import type { ChatCompletionChunk } from '../../providers/types.ts';
import { IdleWatch } from '../../src/routing/idle-watch.ts';
import { ManualClock } from '../support/manual-clock.ts';

function pendingIterator(): AsyncIterator<ChatCompletionChunk> & { resolve: () => void } {
  let release: (() => void) | undefined;
  return {
    next: () => new Promise((resolve) => (release = () => resolve({ done: true, value: undefined }))),
    resolve: () => release?.(),
  };
}

test('only time spent waiting on the upstream counts as idle, and one timer serves the whole stream', async () => {
  const clock = new ManualClock();
  const controller = new AbortController();
  let idle = 0;
  const watch = new IdleWatch(clock, 1000, controller.signal, () => idle++);
  const first = pendingIterator();
  const waiting = watch.next(first);
  clock.advance(600);
  first.resolve();
  await waiting;
  clock.advance(5000); // the consumer is slow: not the upstream's fault
  assert.equal(idle, 0);
  const second = pendingIterator();
  const stalled = watch.next(second);
  clock.advance(999);
  assert.equal(idle, 0);
  clock.advance(1);
  clock.advance(1000);
  assert.equal(idle, 1, 'fires once the wait reaches the idle timeout');
  controller.abort(new Error('idle'));
  await assert.rejects(stalled, /idle/);
  watch.stop();
  assert.equal(clock.pending, 0, 'no timer left after stop');
});

test('stop() removes the abort listener: a finished attempt must not stay reachable through its signal', () => {
  // Node keeps a signal from AbortSignal.any() alive, with its listeners, until it aborts; an attempt that
  // succeeded never aborts, so a listener left behind kept every finished attempt in memory (the soak's leak).
  const client = new AbortController();
  const signal = AbortSignal.any([client.signal, new AbortController().signal]);
  const watch = new IdleWatch(new ManualClock(), 1000, signal, () => undefined);
  assert.equal(getEventListeners(signal, 'abort').length, 1);
  watch.stop();
  assert.equal(getEventListeners(signal, 'abort').length, 0);
});
