/**
 * The Durable Object decides (issue 15): isolates flush outcomes and their evidence in batches and follow
 * the records they read back; windows, thresholds and transitions are computed in the object, on the data of
 * every isolate, and each transition alerts once, from the object. Runs on Node: the object's SQLite is
 * node:sqlite, the namespace a direct call; the same code runs inside workerd in test/workers/.
 */
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { createHealthObject, type HealthObject } from '../../src/health/durable-health-object.ts';
import type { SqlLike } from '../../src/health/durable-sql-store.ts';
import { createDurableHealthStore, type HealthObjectRpc } from '../../src/health/durable-store.ts';
import type { HealthAlert } from '../../src/health/health-alert.ts';
import { createHealthMonitor } from '../../src/health/health-monitor.ts';
import { createMemoryHealthStore } from '../../src/health/memory-store.ts';
import { providerSeriesId } from '../../src/health/series-id.ts';
import { emptyCounts } from '../../src/health/slot-counts.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { silentLogger } from '../support/memory-logger.ts';
import { outcome, serverError } from './helpers.ts';

/** ctx.storage.sql over node:sqlite: statements run when exec is called, as in workerd. */
function sqlite(): SqlLike {
  const db = new DatabaseSync(':memory:');
  return {
    exec(query, ...bindings) {
      const rows = db.prepare(query).all(...(bindings as Array<string | number>)) as Array<Record<string, unknown>>;
      return { toArray: () => rows };
    },
  };
}

interface Deployment {
  clock: ManualClock;
  object: HealthObject;
  /** Alerts the object delivered / the isolates delivered. */
  objectAlerts: HealthAlert[];
  isolateAlerts: HealthAlert[];
  /** Compare-and-set calls that reached the object from isolates. */
  isolateCas: { count: number };
  /** While true, every call to the object fails (unreachable). */
  down: { value: boolean };
  isolate(): ReturnType<typeof createHealthMonitor>;
}

function deployment(): Deployment {
  const clock = new ManualClock(1_000_000_000);
  const objectAlerts: HealthAlert[] = [];
  const isolateAlerts: HealthAlert[] = [];
  const isolateCas = { count: 0 };
  const down = { value: false };
  const object = createHealthObject(sqlite(), { clock, logger: silentLogger, onAlert: (a) => objectAlerts.push(a) });
  const rpc: HealthObjectRpc = {
    healthSync: (request) => object.healthSync(request),
    healthCompareAndSet: (expected, next) => {
      isolateCas.count += 1;
      return object.healthCompareAndSet(expected, next);
    },
    healthResetWindows: (provider) => object.healthResetWindows(provider),
    healthClaim: (key, ttlMs, now) => object.healthClaim(key, ttlMs, now),
  };
  const unreachable = new Proxy(rpc, {
    get: (target, name: keyof HealthObjectRpc) =>
      down.value ? () => Promise.reject(new Error('Durable Object unreachable')) : target[name],
  });
  const namespace = { idFromName: (name: string) => name, get: () => unreachable };
  return {
    clock,
    object,
    objectAlerts,
    isolateAlerts,
    isolateCas,
    down,
    isolate: () =>
      createHealthMonitor({
        store: createDurableHealthStore({ namespace }),
        clock,
        logger: silentLogger,
        backgroundTimers: false,
        // Every request to a probing provider is a probe, so the test needs few.
        probe: { share: 1 },
        onAlert: (a) => isolateAlerts.push(a),
      }),
  };
}

describe('Durable Object store: the object decides, isolates follow', () => {
  it('trips on failures in a row spread over two isolates, neither of which saw five; one alert, from the object', async () => {
    const d = deployment();
    const a = d.isolate();
    const b = d.isolate();
    for (let i = 0; i < 3; i++) a.record(outcome(d.clock, serverError));
    await a.tick();
    assert.equal(a.get('openai').state, 'healthy', 'three in a row is not an outage');
    for (let i = 0; i < 3; i++) b.record(outcome(d.clock, serverError));
    await b.tick();
    assert.equal(b.get('openai').state, 'tripped', 'the sync that completed the streak reads back the trip');
    await a.tick();
    assert.equal(a.get('openai').state, 'tripped');
    assert.equal(a.get('openai').reason, 'fast_trip');
    assert.deepEqual(
      d.objectAlerts.map((x) => [x.event, x.signal, x.value, x.window]),
      [
        ['threshold_crossed', 'fast_trip', 6, 'consecutive'],
        ['tripped', 'fast_trip', 6, 'consecutive'],
      ],
    );
    assert.deepEqual(d.isolateAlerts, [], 'isolates raise no alert for a transition they did not make');
    assert.equal(d.isolateCas.count, 0, 'isolates never move states themselves');

    // Where every monitor decides (memory or Redis), the same outcomes trip nothing: streaks are per instance.
    const clock = new ManualClock(1_000_000_000);
    const shared = createMemoryHealthStore();
    const [x, y] = [0, 1].map(() =>
      createHealthMonitor({ store: shared, clock, logger: silentLogger, backgroundTimers: false, closeStore: false }),
    );
    for (const m of [x!, y!]) {
      for (let i = 0; i < 3; i++) m.record(outcome(clock, serverError));
      await m.tick();
    }
    assert.equal(x!.get('openai').state, 'healthy');
    for (const m of [a, b, x!, y!]) await m.close();
  });

  it('a success anywhere ends the fleet streak', async () => {
    const d = deployment();
    const a = d.isolate();
    const b = d.isolate();
    for (let i = 0; i < 4; i++) a.record(outcome(d.clock, serverError));
    await a.tick();
    b.record(outcome(d.clock));
    await b.tick();
    a.record(outcome(d.clock, serverError));
    await a.tick();
    assert.equal(a.get('openai').state, 'healthy', '4 failures, a success, 1 failure: no five in a row');
    for (const m of [a, b]) await m.close();
  });

  it('cool-down ends on the object’s alarm; probes from both isolates add up to the recovery', async () => {
    const d = deployment();
    const a = d.isolate();
    const b = d.isolate();
    for (let i = 0; i < 5; i++) a.record(outcome(d.clock, serverError));
    await a.tick();
    assert.equal(a.get('openai').state, 'tripped');
    d.clock.advance(30_000);
    const next = await d.object.alarm(d.clock.now());
    assert.ok(next !== undefined, 'a tripped provider keeps the alarm going');
    await a.tick();
    await b.tick();
    assert.equal(b.get('openai').state, 'probing', 'moved by the object, with no isolate evaluating');
    // Five successes recover (15 s of probing at least); three from one isolate, two from the other.
    for (const [m, n] of [
      [a, 3],
      [b, 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        assert.equal(m.admitProbe('openai'), true);
        m.record(outcome(d.clock, { probe: true }));
      }
    }
    d.clock.advance(15_000);
    await a.tick();
    assert.equal(a.get('openai').state, 'probing', 'three successes are not enough');
    await b.tick();
    assert.equal(b.get('openai').state, 'healthy');
    assert.deepEqual(
      d.objectAlerts.map((x) => x.event),
      ['threshold_crossed', 'tripped', 'probing', 'recovered'],
    );
    assert.deepEqual(d.isolateAlerts, []);
    assert.equal(d.isolateCas.count, 0);
    for (const m of [a, b]) await m.close();
  });

  it('a retried batch (same writer, same seq) adds neither its counts nor its evidence twice', async () => {
    const d = deployment();
    const now = d.clock.now();
    const slot = Math.floor(now / 10_000);
    const request = (seq: number, failures: number) => ({
      batch: new Map([
        [providerSeriesId('openai'), new Map([[slot, { ...emptyCounts(), requests: failures, errors: failures }]])],
      ]),
      writer: { id: 'isolate-1', seq },
      now,
      fromSlot: slot - 29,
      toSlot: slot,
      ttlMs: 320_000,
      read: true,
      readModels: false,
      evidence: new Map([['openai', { reset: false, failures, probeOk: 0, probeFailed: 0 }]]),
    });
    await d.object.healthSync(request(1, 3));
    const retried = await d.object.healthSync(request(1, 3));
    assert.equal(retried.records?.get('openai'), undefined, 'still healthy: 3 failures, not 6');
    assert.equal(retried.series?.get(providerSeriesId('openai'))?.get(slot)?.requests, 3);
    const next = await d.object.healthSync(request(2, 2));
    assert.equal(next.records?.get('openai')?.state, 'tripped');
  });

  it('while the object is unreachable an isolate stands in on local state, then adopts the object’s decision', async () => {
    const d = deployment();
    const a = d.isolate();
    d.down.value = true;
    for (let i = 0; i < 5; i++) a.record(outcome(d.clock, serverError));
    await a.tick();
    assert.equal(a.storeStatus().degraded, true);
    assert.equal(a.get('openai').state, 'tripped', 'trips on local state');
    assert.equal(d.isolateAlerts.filter((x) => x.event === 'tripped').length, 1, 'a duplicate beats a missed outage');
    const localSince = a.get('openai').since;
    d.clock.advance(2_000);
    d.down.value = false;
    await a.tick();
    assert.equal(a.storeStatus().degraded, false);
    const health = a.get('openai');
    assert.equal(health.state, 'tripped');
    assert.equal(
      health.since,
      d.clock.now(),
      'the object’s record (it decided on the flushed batch), not the local one',
    );
    assert.notEqual(health.since, localSince);
    assert.equal(d.isolateCas.count, 0, 'the local stand-in is not pushed');
    await a.close();
  });
});
