/**
 * The request-driven health cycle (Workers have no timers between requests): recording outcomes and
 * reading states start the work that is due, `idle()` resolves when it is done, and nothing runs when
 * nothing is due. Two monitors on one memory store stand for two isolates on one Durable Object. Runs on
 * Node with a ManualClock; the same code runs inside workerd in test/workers/.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHealthMonitor } from '../../src/health/health-monitor.ts';
import type { HealthStore } from '../../src/health/health-store.ts';
import { createMemoryHealthStore } from '../../src/health/memory-store.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { silentLogger } from '../support/memory-logger.ts';

function countingStore(): HealthStore & { syncs: number } {
  const inner = createMemoryHealthStore();
  const store = {
    ...inner,
    syncs: 0,
    sync(request: Parameters<HealthStore['sync']>[0]) {
      store.syncs += 1;
      return inner.sync(request);
    },
  };
  return store;
}

function failure(provider: string, at: number) {
  return {
    provider,
    model: 'm',
    ok: false,
    kind: 'server' as const,
    status: 500,
    latencyMs: 5,
    retriesExhausted: false,
    at,
  };
}

describe('request-driven health cycle', () => {
  it('trips from recorded outcomes without tick() or timers, and a second monitor on the store follows', async () => {
    const clock = new ManualClock(1_000_000);
    const store = countingStore();
    const options = {
      store,
      clock,
      logger: silentLogger,
      backgroundTimers: false,
      driveOnRequests: true,
      flushIntervalMs: 1000,
      refreshIntervalMs: 1000,
      closeStore: false,
    };
    const a = createHealthMonitor(options);
    const b = createHealthMonitor(options);
    for (let i = 0; i < 6; i++) {
      a.record(failure('openai', clock.now()));
      clock.advance(300);
      await a.idle();
    }
    assert.equal(a.get('openai').state, 'tripped');
    // b has seen nothing itself: its first read starts a refresh, the one after shows the shared state.
    b.get('openai');
    await b.idle();
    assert.equal(b.get('openai').state, 'tripped');
    await a.close();
    await b.close();
  });

  it('does no store call while nothing is due', async () => {
    const clock = new ManualClock(1_000_000);
    const store = countingStore();
    const monitor = createHealthMonitor({
      store,
      clock,
      logger: silentLogger,
      backgroundTimers: false,
      driveOnRequests: true,
      flushIntervalMs: 1000,
      refreshIntervalMs: 1000,
    });
    monitor.get('openai');
    await monitor.idle();
    const after = store.syncs;
    assert.equal(after, 1);
    for (let i = 0; i < 50; i++) monitor.get('openai');
    monitor.record({ ...failure('openai', clock.now()), ok: true, kind: undefined, status: 200 });
    await monitor.idle();
    assert.equal(store.syncs, after, 'within the interval: no call');
    clock.advance(1000);
    monitor.get('openai');
    await monitor.idle();
    assert.equal(store.syncs, after + 1, 'due: one flush-and-read');
    await monitor.close();
  });

  it('without driveOnRequests (the default) recording never calls the store', async () => {
    const clock = new ManualClock(1_000_000);
    const store = countingStore();
    const monitor = createHealthMonitor({ store, clock, logger: silentLogger, backgroundTimers: false });
    for (let i = 0; i < 10; i++) {
      monitor.record(failure('openai', clock.now()));
      clock.advance(1000);
    }
    await monitor.idle();
    assert.equal(store.syncs, 0);
    assert.equal(monitor.get('openai').state, 'healthy');
    await monitor.close();
  });
});
