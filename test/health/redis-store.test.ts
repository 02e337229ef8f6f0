import { healthSuite } from './health-suite.ts';
import { redisKit } from './helpers.ts';

healthSuite(redisKit);

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { systemClock } from '../../src/clock.ts';
import { createHealthMonitor } from '../../src/health/health-monitor.ts';
import { createRedisHealthStore } from '../../src/health/redis-store.ts';
import { modelSeriesId, providerSeriesId } from '../../src/health/series-id.ts';
import { emptyCounts } from '../../src/health/slot-counts.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { silentLogger } from '../support/memory-logger.ts';
import { deleteKeys, outcome, REDIS_URL, scanKeys, serverError, testMonitor, uniquePrefix } from './helpers.ts';

describe('redis health store', () => {
  const prefixes: string[] = [];
  const fresh = () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    return prefix;
  };
  after(async () => {
    for (const prefix of prefixes) await deleteKeys(prefix);
  });

  it('lets instance B follow a trip seen only by instance A within about a second of real time', async () => {
    const prefix = fresh();
    const options = { clock: systemClock, logger: silentLogger, flushIntervalMs: 250, refreshIntervalMs: 500 };
    const a = createHealthMonitor({ ...options, store: createRedisHealthStore({ redis: REDIS_URL, prefix }) });
    const b = createHealthMonitor({ ...options, store: createRedisHealthStore({ redis: REDIS_URL, prefix }) });
    try {
      // Let both connect and run a first cycle, as long-running instances would have.
      await new Promise((r) => setTimeout(r, 600));
      const start = performance.now();
      for (let i = 0; i < 5; i++)
        a.record({
          provider: 'openai',
          model: 'm',
          ok: false,
          kind: 'server',
          status: 500,
          latencyMs: 5,
          retriesExhausted: false,
          at: Date.now(),
        });
      while (b.get('openai').state !== 'tripped' && performance.now() - start < 3000) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const elapsed = performance.now() - start;
      assert.equal(b.get('openai').state, 'tripped');
      assert.ok(elapsed < 1500, `B followed after ${Math.round(elapsed)} ms`);
      assert.equal(a.storeStatus().degraded, false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps every key under the prefix with a {health} hash tag, windows with TTLs, states without', async () => {
    const prefix = fresh();
    const clock = new ManualClock();
    const store = createRedisHealthStore({ redis: REDIS_URL, prefix });
    const monitor = testMonitor(store, clock, { closeStore: true });
    for (let i = 0; i < 5; i++) monitor.record(outcome(clock, { ...serverError, model: 'gpt-4o' }));
    await monitor.tick();
    assert.equal(monitor.get('openai').state, 'tripped');
    const redis = new Redis(REDIS_URL);
    try {
      const all = await scanKeys(redis, prefix);
      const writers = all.filter((k) => k.startsWith(`${prefix}{health}:writer:`));
      assert.equal(writers.length, 1, 'one flush-sequence key per monitor instance');
      const writerTtl = await redis.pttl(writers[0] ?? '');
      assert.ok(writerTtl > 0 && writerTtl <= 320_000);
      const keys = all.filter((k) => !writers.includes(k)).sort();
      assert.deepEqual(
        keys,
        [
          `${prefix}{health}:alert:openai|threshold_crossed|fast_trip|openai@${clock.now()}`,
          `${prefix}{health}:alert:openai|tripped|fast_trip|openai@${clock.now()}`,
          `${prefix}{health}:series`,
          `${prefix}{health}:state`,
          `${prefix}{health}:w:${providerSeriesId('openai')}`,
          `${prefix}{health}:w:${modelSeriesId('openai', 'gpt-4o')}`,
        ].sort(),
      );
      const ttl = await redis.pttl(`${prefix}{health}:w:${providerSeriesId('openai')}`);
      assert.ok(ttl > 300_000 && ttl <= 320_000, `window TTL ${ttl}`);
      assert.equal(await redis.pttl(`${prefix}{health}:state`), -1);
      const state: unknown = JSON.parse((await redis.hget(`${prefix}{health}:state`, 'openai')) ?? 'null');
      assert.ok(typeof state === 'object' && state !== null && 'state' in state && state.state === 'tripped');
      const slot = Math.floor(clock.now() / 10_000);
      assert.equal(await redis.hget(`${prefix}{health}:w:${providerSeriesId('openai')}`, `${slot}:n`), '5');
      assert.equal(await redis.hget(`${prefix}{health}:w:${providerSeriesId('openai')}`, `${slot}:s`), '5');
    } finally {
      redis.disconnect();
      await monitor.close();
    }
  });

  it('prunes slots that left the long window from the hash', async () => {
    const prefix = fresh();
    const clock = new ManualClock();
    const monitor = testMonitor(createRedisHealthStore({ redis: REDIS_URL, prefix }), clock, { closeStore: true });
    const first = Math.floor(clock.now() / 10_000);
    monitor.record(outcome(clock));
    await monitor.tick();
    clock.advance(400_000);
    monitor.record(outcome(clock));
    await monitor.tick();
    const redis = new Redis(REDIS_URL);
    try {
      const fields = await redis.hkeys(`${prefix}{health}:w:${providerSeriesId('openai')}`);
      assert.ok(!fields.includes(`${first}:n`), 'the old slot is gone');
      assert.ok(fields.includes(`${Math.floor(clock.now() / 10_000)}:n`));
      assert.equal(monitor.report().providers[0]?.long.requests, 1);
    } finally {
      redis.disconnect();
      await monitor.close();
    }
  });

  it('applies a retried batch once: a flush that timed out after Redis ran it is not counted twice', async () => {
    const prefix = fresh();
    const store = createRedisHealthStore({ redis: REDIS_URL, prefix });
    try {
      const counts = emptyCounts();
      counts.requests = 3;
      counts.errors = 1;
      const batch = new Map([[providerSeriesId('openai'), new Map([[100, counts]])]]);
      const request = {
        batch,
        now: 1_000_000,
        fromSlot: 71,
        toSlot: 100,
        ttlMs: 320_000,
        read: true,
        readModels: true,
      };
      await store.sync({ ...request, writer: { id: 'w1', seq: 1 } });
      const again = await store.sync({ ...request, writer: { id: 'w1', seq: 1 } });
      assert.equal(again.series?.get(providerSeriesId('openai'))?.get(100)?.requests, 3, 'the same seq is skipped');
      const next = await store.sync({ ...request, writer: { id: 'w1', seq: 2 } });
      assert.equal(next.series?.get(providerSeriesId('openai'))?.get(100)?.requests, 6);
      const other = await store.sync({ ...request, writer: { id: 'w2', seq: 1 } });
      assert.equal(other.series?.get(providerSeriesId('openai'))?.get(100)?.requests, 9, 'sequences are per writer');
      assert.equal(other.series?.get(providerSeriesId('openai'))?.get(100)?.errors, 3);
    } finally {
      await store.close();
    }
  });

  it('claims an alert key once across instances (SET NX with TTL)', async () => {
    const prefix = fresh();
    const one = createRedisHealthStore({ redis: REDIS_URL, prefix });
    const two = createRedisHealthStore({ redis: REDIS_URL, prefix });
    try {
      assert.equal(await one.claim('openai|tripped|fast_trip|x', 60_000, 0), true);
      assert.equal(await two.claim('openai|tripped|fast_trip|x', 60_000, 0), false);
      assert.equal(await two.claim('openai|tripped|fast_trip|y', 60_000, 0), true);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('works with a caller-owned client that has its own keyPrefix, and leaves it open', async () => {
    const prefix = fresh();
    prefixes.push(`kp:${prefix}`);
    const client = new Redis(REDIS_URL, { keyPrefix: 'kp:' });
    const clock = new ManualClock();
    const monitor = createHealthMonitor({
      store: createRedisHealthStore({ redis: client, prefix }),
      clock,
      backgroundTimers: false,
      logger: silentLogger,
    });
    try {
      for (let i = 0; i < 5; i++) monitor.record(outcome(clock, serverError));
      await monitor.tick();
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'tripped');
      assert.equal(monitor.report().providers[0]?.long.requests, 5);
      const plain = new Redis(REDIS_URL);
      const keys = await scanKeys(plain, `kp:${prefix}`);
      plain.disconnect();
      assert.ok(
        keys.includes(`kp:${prefix}{health}:w:${providerSeriesId('openai')}`) &&
          keys.includes(`kp:${prefix}{health}:state`),
        keys.join(','),
      );
      await monitor.close();
      assert.equal(await client.ping(), 'PONG', 'the store does not close a client it did not create');
    } finally {
      client.disconnect();
    }
  });

  it('connects a lazyConnect client before its first flush instead of reporting degraded', async () => {
    const prefix = fresh();
    const url = new URL(REDIS_URL);
    const store = createRedisHealthStore({
      redis: { host: url.hostname, port: Number(url.port || 6379), lazyConnect: true },
      prefix,
    });
    const monitor = testMonitor(store, new ManualClock(), { closeStore: true });
    await monitor.tick();
    assert.equal(monitor.storeStatus().degraded, false);
    await monitor.close();
  });

  it('passes Cluster and Sentinel options through to ioredis, with fail-fast defaults', async () => {
    const cluster = createRedisHealthStore({
      redis: {
        cluster: [{ host: '127.0.0.1', port: 7000 }],
        options: { lazyConnect: true, redisOptions: { password: 'p' } },
      },
    });
    assert.ok(cluster.client instanceof Cluster);
    assert.equal(cluster.client.options.enableOfflineQueue, false);
    assert.equal(cluster.client.options.redisOptions?.password, 'p');
    assert.equal(cluster.client.options.redisOptions?.commandTimeout, 500);
    await cluster.close();

    const sentinel = createRedisHealthStore({
      redis: { sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'mymaster', lazyConnect: true },
      commandTimeoutMs: 300,
    });
    assert.ok(sentinel.client instanceof Redis);
    assert.equal(sentinel.client.options.name, 'mymaster');
    assert.equal(sentinel.client.options.enableOfflineQueue, false);
    assert.equal(sentinel.client.options.commandTimeout, 300);
    await sentinel.close();
  });
});
