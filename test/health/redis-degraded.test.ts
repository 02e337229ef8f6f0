/**
 * Redis slow or gone must cost requests nothing: record/get stay synchronous and instant, the monitor
 * trips on local state, says it is degraded, and catches up when Redis is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from '../../bench/lib/ports.ts';
import { createHealthMonitor } from '../../src/health/health-monitor.ts';
import { createRedisHealthStore } from '../../src/health/redis-store.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { silentLogger } from '../support/memory-logger.ts';
import { captureLogs, deleteKeys, LocalRedisServer, outcome, serverError, uniquePrefix } from './helpers.ts';

/**
 * `record` and `get` are synchronous, so they cannot wait on Redis at all; the bound on the slowest of 2,000 calls
 * catches store work done on the hot path (a Redis round trip, even refused, is far slower) while leaving room
 * for a GC pause on a loaded machine.
 */
const HOT_PATH_MS = 50;

/** The slowest of `n` calls, ms. */
function slowest(n: number, call: (i: number) => void): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    call(i);
    worst = Math.max(worst, performance.now() - start);
  }
  return worst;
}

describe('health monitor without Redis', () => {
  it('serves on local state when Redis is unreachable, and costs the hot path nothing', async () => {
    const clock = new ManualClock();
    const logs = captureLogs();
    const monitor = createHealthMonitor({
      store: createRedisHealthStore({ redis: 'redis://:s3cret-pass@127.0.0.1:1', prefix: uniquePrefix() }),
      clock,
      backgroundTimers: false,
      logger: logs.logger,
    });
    try {
      const recordMs = slowest(2000, (i) => monitor.record(outcome(clock, { model: `m${i % 3}` })));
      const getMs = slowest(2000, () => monitor.get('openai'));
      assert.ok(recordMs < HOT_PATH_MS, `record took up to ${recordMs} ms`);
      assert.ok(getMs < HOT_PATH_MS, `get took up to ${getMs} ms`);

      const tickStart = performance.now();
      await monitor.tick();
      assert.ok(performance.now() - tickStart < 1500, 'a failing store does not stall the cycle');
      const status = monitor.storeStatus();
      assert.equal(status.store, 'redis');
      assert.equal(status.degraded, true);
      assert.match(status.lastError ?? '', /ECONNREFUSED/, 'says why Redis is unavailable');
      assert.ok(!(status.lastError ?? '').includes('s3cret'), 'no password in the status');

      for (let i = 0; i < 5; i++) monitor.record(outcome(clock, serverError));
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'tripped', 'trips on local state');
      assert.equal(monitor.report().providers[0]?.long.requests, 2005, 'local windows keep counting');
      assert.equal(logs.events('store_degraded').length, 1, 'one log line on entering degraded mode');
      assert.equal(logs.events('tripped').length, 1, 'alerts still go out without the store');
      assert.ok(!JSON.stringify(logs.entries).includes('s3cret'));
      await monitor.drain('openai');
      assert.equal(monitor.get('openai').state, 'drained', 'operators can still drain');
    } finally {
      await monitor.close();
    }
  });

  describe('with a Redis that goes away and comes back', () => {
    let server: LocalRedisServer;
    before(async () => {
      server = new LocalRedisServer(await freePort());
      await server.start();
    });
    after(async () => {
      await server.stop();
    });

    it('times out on a stalled Redis instead of waiting for it', async () => {
      const prefix = uniquePrefix();
      const clock = new ManualClock();
      const monitor = createHealthMonitor({
        store: createRedisHealthStore({ redis: server.url, prefix, commandTimeoutMs: 200 }),
        clock,
        backgroundTimers: false,
        logger: silentLogger,
      });
      const admin = new Redis(server.url);
      try {
        await monitor.tick();
        assert.equal(monitor.storeStatus().degraded, false);
        await admin.call('CLIENT', 'PAUSE', '600', 'ALL');
        const recordMs = slowest(500, () => monitor.record(outcome(clock)));
        assert.ok(recordMs < HOT_PATH_MS, `record took up to ${recordMs} ms with Redis stalled`);
        const start = performance.now();
        await monitor.tick();
        const took = performance.now() - start;
        assert.ok(took < 800, `the cycle gave up after ${Math.round(took)} ms`);
        const status = monitor.storeStatus();
        assert.equal(status.degraded, true);
        assert.match(status.lastError ?? '', /timed out/i);
      } finally {
        await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
        admin.disconnect();
        await monitor.close();
        await deleteKeys(prefix, server.url);
      }
    });

    it('keeps counting while Redis is down, then pushes counts and local trips back', async () => {
      const prefix = uniquePrefix();
      const clock = new ManualClock();
      const logs = captureLogs();
      const store = () => createRedisHealthStore({ redis: server.url, prefix, commandTimeoutMs: 200 });
      const a = createHealthMonitor({ store: store(), clock, backgroundTimers: false, logger: logs.logger });
      const b = createHealthMonitor({ store: store(), clock, backgroundTimers: false, logger: silentLogger });
      try {
        for (let i = 0; i < 20; i++) a.record(outcome(clock));
        await a.tick();
        await b.tick();
        assert.equal(a.storeStatus().degraded, false);
        assert.equal(b.report().providers[0]?.long.requests, 20);

        await server.stop();
        const recordMs = slowest(500, () => a.record(outcome(clock)));
        assert.ok(recordMs < HOT_PATH_MS, `record took up to ${recordMs} ms with Redis gone`);
        for (let i = 0; i < 5; i++) a.record(outcome(clock, serverError));
        await a.tick();
        assert.equal(a.storeStatus().degraded, true);
        assert.equal(a.get('openai').state, 'tripped');
        assert.equal(a.report().providers[0]?.long.requests, 525);

        await server.start();
        const deadline = performance.now() + 8000;
        while (a.storeStatus().degraded && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          await a.tick();
        }
        assert.equal(a.storeStatus().degraded, false, 'recovers once ioredis has reconnected');
        assert.equal(logs.events('store_recovered').length, 1);
        await a.tick();

        // The restarted Redis is empty: everything it knows came from A's local aggregates and state.
        await waitFor(async () => {
          await b.tick();
          return b.get('openai').state === 'tripped';
        });
        assert.equal(b.get('openai').state, 'tripped', 'the trip decided offline reached the shared state');
        assert.equal(b.report().providers[0]?.long.requests, 505, 'counts recorded offline were flushed');
      } finally {
        await a.close();
        await b.close();
        await deleteKeys(prefix, server.url);
      }
    });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check()) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
