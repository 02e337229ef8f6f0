/**
 * The serial queue and the cycle schedule on their own: one task at a time in order, a failure contained
 * to its own task, `idle()` waiting for work queued meanwhile; when a request-driven cycle is due, the
 * refresh interval rounded to the flush interval, model reads spaced out, and the timer skipping beats while
 * a cycle is under way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CycleSchedule, cycleIntervals, startCycleTimer } from '../../src/health/cycle-schedule.ts';
import { SerialQueue } from '../../src/health/serial-queue.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('serial queue', () => {
  it('runs tasks one at a time, in order, and a failed task rejects only itself', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let release!: () => void;
    const first = queue.run(
      () =>
        new Promise<void>((resolve) => {
          log.push('a start');
          release = () => {
            log.push('a end');
            resolve();
          };
        }),
    );
    const failing = queue.run(async () => {
      log.push('b');
      throw new Error('boom');
    });
    const third = queue.run(async () => {
      log.push('c');
    });
    await tick();
    assert.equal(queue.busy, true);
    assert.deepEqual(log, ['a start'], 'b waits for a');
    release();
    await first;
    await assert.rejects(failing, /boom/);
    await third;
    assert.deepEqual(log, ['a start', 'a end', 'b', 'c']);
    assert.equal(queue.busy, false);
  });

  it('idle() also waits for tasks queued by running ones', async () => {
    const queue = new SerialQueue();
    let done = false;
    queue.run(async () => {
      queue.run(async () => {
        await tick();
        done = true;
      });
    });
    await queue.idle();
    assert.equal(done, true);
  });
});

describe('cycle schedule', () => {
  it('rounds the refresh interval to a multiple of the flush interval', () => {
    assert.deepEqual(cycleIntervals(), {
      flushIntervalMs: 250,
      refreshEvery: 2,
      refreshIntervalMs: 500,
      modelRefreshMs: 2000,
    });
    assert.equal(cycleIntervals(1000, 300).refreshIntervalMs, 1000, 'at least one flush interval');
    assert.equal(cycleIntervals(200, 700).refreshEvery, 4);
  });

  it('request-driven: a read once the snapshot is stale, a flush only with pending counts and the interval past', () => {
    const schedule = new CycleSchedule(cycleIntervals(1000, 2000));
    assert.deepEqual(schedule.due(0, false), { read: true }, 'never read: read now');
    schedule.started(0, true);
    assert.equal(schedule.due(500, true), undefined, 'within the flush interval');
    assert.equal(schedule.due(1500, false), undefined, 'nothing to flush');
    assert.deepEqual(schedule.due(1500, true), { read: false });
    schedule.started(1500, false);
    assert.equal(schedule.due(1999, true), undefined);
    assert.deepEqual(schedule.due(2000, false), { read: true }, 'the refresh interval since the last read');
  });

  it('model series are due at most every modelRefreshMs, counted from the last read that had them', () => {
    const schedule = new CycleSchedule(cycleIntervals(250, 500, 2000));
    assert.equal(schedule.modelsDue(0), true);
    schedule.modelsRead(0);
    assert.equal(schedule.modelsDue(1999), false);
    assert.equal(schedule.modelsDue(2000), true);
  });

  it('the timer beats every flush interval, reads every refreshEvery-th beat that ran, skips while busy', async () => {
    const beats: boolean[] = [];
    let ready = true;
    const stop = startCycleTimer(
      cycleIntervals(10, 30),
      () => ready,
      (read) => beats.push(read),
    );
    const deadline = Date.now() + 5000;
    while (beats.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    ready = false;
    const seen = beats.length;
    await new Promise((resolve) => setTimeout(resolve, 40));
    stop();
    assert.ok(seen >= 3, `beats: ${seen}`);
    assert.equal(beats.length, seen, 'no beat while a cycle is under way');
    assert.deepEqual(beats.slice(0, 3), [false, false, true]);
  });
});
