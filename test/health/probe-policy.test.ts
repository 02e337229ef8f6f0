/**
 * The probe policy (issue 9, point 9), on a ManualClock: a failed probe does not by itself re-trip a provider
 * whose probes fail at the background rate (0.5-2 %); a provider still down re-trips after two failed probes
 * in a row; one failing far above the error-rate threshold re-trips on its probe failure share; and however
 * long the incident, a provider healed to the background rate is healthy again within 60 s and stays so.
 *
 * Traffic is simulated the way routing sends it: while healthy every request goes to the provider, while
 * probing only the requests `admitProbe` admits (as probes), while tripped none. Failures come from a seeded
 * generator, so each run is reproducible.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BackgroundHealthMonitor, createHealthMonitor } from '../../src/health/health-monitor.ts';
import { createMemoryHealthStore } from '../../src/health/memory-store.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { captureLogs, outcome, serverError } from './helpers.ts';

/** mulberry32: a tiny seeded PRNG. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function open(clock: ManualClock) {
  const logs = captureLogs();
  const monitor = createHealthMonitor({
    store: createMemoryHealthStore(),
    clock,
    logger: logs.logger,
    backgroundTimers: false,
  });
  return { monitor, logs };
}

/**
 * `rps` requests per second for `durationMs`; `failRate(t)` is the provider's failure probability at clock
 * time t. Ticks every 250 ms, like the background cycle. Returns the state transitions seen, with times.
 */
async function traffic(
  monitor: BackgroundHealthMonitor,
  clock: ManualClock,
  options: { durationMs: number; rps: number; failRate: (t: number) => number; random: () => number },
): Promise<Array<{ at: number; state: string; reason?: string }>> {
  const changes: Array<{ at: number; state: string; reason?: string }> = [];
  const step = 1000 / options.rps;
  const end = clock.now() + options.durationMs;
  let nextTick = clock.now() + 250;
  let last = monitor.get('openai').state;
  while (clock.now() < end) {
    const state = monitor.get('openai').state;
    const probe = state === 'probing' && monitor.admitProbe('openai');
    if (state === 'healthy' || probe) {
      const failed = options.random() < options.failRate(clock.now());
      monitor.record(outcome(clock, { ...(failed ? serverError : {}), ...(probe ? { probe: true } : {}) }));
    }
    clock.advance(step);
    if (clock.now() >= nextTick) {
      nextTick += 250;
      await monitor.tick();
      const health = monitor.get('openai');
      if (health.state !== last) {
        last = health.state;
        changes.push({ at: clock.now(), state: health.state, ...(health.reason ? { reason: health.reason } : {}) });
      }
    }
  }
  return changes;
}

describe('probe policy', () => {
  it('a single failed probe among successes does not re-trip', async () => {
    const clock = new ManualClock();
    const { monitor } = open(clock);
    for (let i = 0; i < 5; i++) monitor.record(outcome(clock, serverError));
    await monitor.tick();
    clock.advance(30_000);
    await monitor.tick();
    assert.equal(monitor.get('openai').state, 'probing');
    for (const ok of [true, true, false, true, true, true]) {
      monitor.record(outcome(clock, { ...(ok ? {} : serverError), probe: true }));
      clock.advance(1000);
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'probing', 'still probing after the failed probe');
    }
    // 6 probes, 1 failed (17 %): above 5 %, so recovery waits for more successes (the rate is judged from 20).
    clock.advance(15_000);
    await monitor.tick();
    assert.equal(monitor.get('openai').state, 'probing');
    for (let i = 0; i < 14; i++) monitor.record(outcome(clock, { probe: true }));
    await monitor.tick();
    assert.equal(monitor.get('openai').state, 'healthy', '1 failure in 20 probes is the background, not an outage');
  });

  it('a provider still down re-trips after two failed probes, and its cool-down stops growing at 45 s', async () => {
    const clock = new ManualClock();
    const { monitor, logs } = open(clock);
    const changes = await traffic(monitor, clock, {
      durationMs: 600_000,
      rps: 30,
      failRate: () => 1,
      random: seeded(1),
    });
    const trips = changes.filter((c) => c.state === 'tripped');
    assert.equal(trips[0]?.reason, 'fast_trip');
    assert.ok(
      trips.slice(1).every((c) => c.reason === 'probe_failed'),
      JSON.stringify(changes),
    );
    assert.ok(!changes.some((c) => c.state === 'healthy'));
    // Cool-downs: 30 s, then 45 s (capped) every time.
    const probings = changes.filter((c) => c.state === 'probing').map((c) => c.at);
    const gaps = trips.slice(0, probings.length).map((trip, i) => probings[i]! - trip.at);
    assert.ok(Math.abs(gaps[0]! - 30_000) <= 500, `first cool-down ${gaps[0]}`);
    for (const gap of gaps.slice(2)) assert.ok(Math.abs(gap - 45_000) <= 500, `later cool-down ${gap}`);
    // One incident, alerted once per kind however often it re-trips.
    assert.equal(logs.events('tripped').filter((e) => e.signal === 'probe_failed').length, 1);
  });

  it('a provider failing 20 % of requests is not readmitted', async () => {
    const clock = new ManualClock();
    const { monitor } = open(clock);
    const changes = await traffic(monitor, clock, {
      durationMs: 600_000,
      rps: 30,
      failRate: () => 0.2,
      random: seeded(7),
    });
    const afterFirstTrip = changes.slice(changes.findIndex((c) => c.state === 'tripped'));
    assert.ok(afterFirstTrip.length > 0);
    assert.ok(!afterFirstTrip.some((c) => c.state === 'healthy'), JSON.stringify(changes));
    assert.ok(afterFirstTrip.some((c) => c.reason === 'probe_error_rate' || c.reason === 'probe_failed'));
  });

  for (const background of [0.005, 0.01, 0.02]) {
    it(`healed to ${background * 100} % background after a 10-minute outage: healthy within 60 s, and no flapping for 5 minutes (20 seeds)`, async () => {
      for (let seed = 1; seed <= 20; seed++) {
        const clock = new ManualClock();
        const { monitor } = open(clock);
        const start = clock.now();
        const healAt = start + 600_000;
        const changes = await traffic(monitor, clock, {
          durationMs: 900_000,
          rps: 30,
          failRate: (t) => (t < healAt ? 1 : background),
          random: seeded(seed),
        });
        const recovered = changes.find((c) => c.at >= healAt && c.state === 'healthy');
        assert.ok(recovered, `seed ${seed}: never recovered: ${JSON.stringify(changes.slice(-4))}`);
        assert.ok(
          recovered.at - healAt <= 60_000,
          `seed ${seed}: recovered ${(recovered.at - healAt) / 1000} s after the heal`,
        );
        const later = changes.filter((c) => c.at > recovered.at);
        assert.deepEqual(
          later,
          [],
          `seed ${seed}: flapped after recovering at ${recovered.at - start}: ${JSON.stringify(monitor.report().providers[0]?.short)}`,
        );
      }
    });
  }
});
