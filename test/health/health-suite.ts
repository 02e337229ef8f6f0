/**
 * The behavioural suite every store must pass: the same scenarios against the memory store and against a
 * real Redis, driven by a ManualClock and `tick()`.
 */
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { BackgroundHealthMonitor, HealthMonitorOptions } from '../../src/health/health-monitor.ts';
import { ManualClock } from '../support/manual-clock.ts';
import {
  type Backend,
  captureLogs,
  drive,
  outcome,
  rateLimited,
  type StoreKit,
  serverError,
  testMonitor,
} from './helpers.ts';

export function healthSuite(kit: StoreKit): void {
  describe(`health monitor on the ${kit.name} store`, () => {
    let backend: Backend;
    let clock: ManualClock;
    const monitors: BackgroundHealthMonitor[] = [];
    const open = (options: HealthMonitorOptions = {}) => {
      const monitor = testMonitor(backend.store(), clock, options);
      monitors.push(monitor);
      return monitor;
    };

    beforeEach(async () => {
      backend = await kit.open();
      clock = new ManualClock();
    });
    afterEach(async () => {
      for (const m of monitors.splice(0)) await m.close();
      await backend.cleanup();
    });
    after(async () => {
      for (const m of monitors.splice(0)) await m.close();
    });

    it('trips a hard outage after five consecutive failures, within a second of clock time', async () => {
      const monitor = open();
      await drive(monitor, clock, { durationMs: 50_000, rps: 4 });
      assert.equal(monitor.get('openai').state, 'healthy');
      const start = clock.now();
      for (let i = 0; i < 4; i++) {
        monitor.record(outcome(clock, serverError));
        clock.advance(100);
      }
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'healthy', 'four failures in a row are not an outage');
      monitor.record(outcome(clock, { ok: false, kind: 'network' }));
      await monitor.tick();
      const health = monitor.get('openai');
      assert.equal(health.state, 'tripped');
      assert.equal(health.reason, 'fast_trip');
      assert.ok(clock.now() - start < 1000);
      assert.ok(health.score < 1);
    });

    it('trips on more than half of the short window failing', async () => {
      const monitor = open();
      // Alternating fail, fail, ok: never five in a row, but two thirds failing.
      await drive(monitor, clock, {
        durationMs: 6_000,
        rps: 2,
        make: (i) => (i % 3 === 2 ? {} : serverError),
        tickMs: 1000,
      });
      const health = monitor.get('openai');
      assert.equal(health.state, 'tripped');
      assert.equal(health.reason, 'fast_trip');
    });

    it('trips on 3 % 5xx sustained for five minutes, not before', async () => {
      const monitor = open();
      let trippedAt: number | undefined;
      const start = clock.now();
      await drive(monitor, clock, {
        durationMs: 330_000,
        rps: 2,
        make: (i) => (i % 33 === 32 ? serverError : {}),
        onTick: () => {
          if (monitor.get('openai').state === 'tripped') trippedAt = clock.now();
          return trippedAt !== undefined;
        },
      });
      assert.ok(trippedAt !== undefined, '3 % 5xx for five minutes must trip');
      assert.equal(monitor.get('openai').reason, 'server_error_rate');
      const after = trippedAt - start;
      assert.ok(after >= 270_000 && after <= 300_000, `tripped after ${after} ms, expected ~4.5–5 minutes`);
    });

    it('does not trip on 1 % 5xx sustained', async () => {
      const monitor = open();
      await drive(monitor, clock, { durationMs: 400_000, rps: 2, make: (i) => (i % 100 === 99 ? serverError : {}) });
      assert.equal(monitor.get('openai').state, 'healthy');
    });

    it('does not trip on a 30 s blip of 3 % 5xx, with or without history', async () => {
      const monitor = open();
      await drive(monitor, clock, { durationMs: 30_000, rps: 2, make: (i) => (i % 33 === 0 ? serverError : {}) });
      assert.equal(monitor.get('openai').state, 'healthy', 'a fresh provider: the window does not cover five minutes');
      await drive(monitor, clock, { durationMs: 240_000, rps: 2 });
      await drive(monitor, clock, { durationMs: 30_000, rps: 2, make: (i) => (i % 33 === 0 ? serverError : {}) });
      await drive(monitor, clock, { durationMs: 60_000, rps: 2 });
      assert.equal(monitor.get('openai').state, 'healthy');
    });

    it('trips on a 429 burst above 10 %', async () => {
      const monitor = open();
      await drive(monitor, clock, { durationMs: 120_000, rps: 2, make: (i) => (i % 50 === 0 ? rateLimited : {}) });
      assert.equal(monitor.get('openai').state, 'healthy', '2 % 429s are fine');
      await drive(monitor, clock, {
        durationMs: 60_000,
        rps: 4,
        make: (i) => (i % 7 === 0 ? rateLimited : {}),
        onTick: () => monitor.get('openai').state === 'tripped',
      });
      const health = monitor.get('openai');
      assert.equal(health.state, 'tripped');
      // 429s are provider-fault errors too: a burst ramping up crosses error_rate (5 %) on the way to 10 %.
      assert.ok(health.reason === 'rate_limit_rate' || health.reason === 'error_rate', String(health.reason));
    });

    it('with 429s kept out of the error rate, trips on 429s only above 10 %', async () => {
      const monitor = open({ thresholds: { errorRate: { includeRateLimits: false } } });
      await drive(monitor, clock, { durationMs: 120_000, rps: 4, make: (i) => (i % 14 === 0 ? rateLimited : {}) });
      assert.equal(monitor.get('openai').state, 'healthy', '7 % 429s are tolerated');
      await drive(monitor, clock, {
        durationMs: 60_000,
        rps: 4,
        make: (i) => (i % 7 === 0 ? rateLimited : {}),
        onTick: () => monitor.get('openai').state === 'tripped',
      });
      const health = monitor.get('openai');
      assert.equal(health.state, 'tripped');
      assert.equal(health.reason, 'rate_limit_rate');
    });

    it('trips on P99 latency above 30 s, but not on a slow median or a lone outlier', async () => {
      const slowMedian = open();
      await drive(slowMedian, clock, {
        durationMs: 120_000,
        rps: 2,
        make: (i) => ({ latencyMs: i % 2 === 0 ? 20_000 : 25_000 }),
      });
      assert.equal(slowMedian.get('openai').state, 'healthy', 'P50 of 20 s with P99 under 30 s must not trip');

      const outlier = open();
      await drive(outlier, clock, {
        durationMs: 120_000,
        rps: 2,
        make: (i) => ({ provider: 'gemini', latencyMs: i === 100 ? 90_000 : 900 }),
      });
      assert.equal(outlier.get('gemini').state, 'healthy', 'one slow request in 240 is not a P99');

      const slowTail = open();
      await drive(slowTail, clock, {
        durationMs: 120_000,
        rps: 2,
        make: (i) => ({ provider: 'anthropic', latencyMs: i % 25 === 0 ? 45_000 : 900 }),
        onTick: () => slowTail.get('anthropic').state === 'tripped',
      });
      assert.equal(slowTail.get('anthropic').state, 'tripped');
      assert.equal(slowTail.get('anthropic').reason, 'p99_latency');
    });

    it('uses time to first byte for latency when the attempt got that far', async () => {
      const monitor = open();
      await drive(monitor, clock, {
        durationMs: 120_000,
        rps: 2,
        make: () => ({ latencyMs: 60_000, firstByteMs: 700 }),
      });
      assert.equal(monitor.get('openai').state, 'healthy', 'long streams with a quick first token are not slow');
      const report = monitor.report().providers.find((p) => p.provider === 'openai');
      assert.ok(report && report.long.p99Ms !== null && report.long.p99Ms <= 750);
    });

    it('trips on retry exhaustion above 1 %', async () => {
      const fine = open();
      await drive(fine, clock, {
        durationMs: 150_000,
        rps: 2,
        make: (i) => (i % 200 === 199 ? { ...serverError, retriesExhausted: true } : {}),
      });
      assert.equal(fine.get('openai').state, 'healthy', '0.5 % exhaustion is fine');

      const bad = open();
      await drive(bad, clock, {
        durationMs: 150_000,
        rps: 2,
        make: (i) =>
          i % 50 === 49 ? { provider: 'gemini', ...serverError, retriesExhausted: true } : { provider: 'gemini' },
        onTick: () => bad.get('gemini').state === 'tripped',
      });
      assert.equal(bad.get('gemini').state, 'tripped');
      assert.equal(bad.get('gemini').reason, 'retry_exhaustion_rate');
    });

    it('needs a minimum sample: one failure in two requests trips nothing', async () => {
      const monitor = open();
      monitor.record(outcome(clock));
      clock.advance(500);
      monitor.record(outcome(clock, serverError));
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'healthy');
      // Three failures out of four: still too few requests for any rate, and not five in a row.
      monitor.record(outcome(clock, serverError));
      monitor.record(outcome(clock, serverError));
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'healthy');
    });

    it('does not count client faults as errors', async () => {
      const monitor = open();
      await drive(monitor, clock, {
        durationMs: 60_000,
        rps: 2,
        make: (i) =>
          i % 2 === 0
            ? { ok: false, kind: 'bad_request', fault: 'client', status: 400 }
            : { ok: false, kind: 'context_length', fault: 'client', status: 400 },
      });
      assert.equal(monitor.get('openai').state, 'healthy');
      const report = monitor.report().providers.find((p) => p.provider === 'openai');
      assert.equal(report?.short.errors, 0);
      assert.ok((report?.short.clientErrors ?? 0) > 0);
    });

    it('probes after the cool-down, admits about the configured share, and recovers only after sustained success', async () => {
      const logs = captureLogs();
      const monitor = open({ logger: logs.logger });
      assert.equal(monitor.admitProbe('openai'), false, 'a healthy provider needs no probes');
      for (let i = 0; i < 5; i++) monitor.record(outcome(clock, serverError));
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'tripped');
      assert.equal(monitor.admitProbe('openai'), false, 'no probes during the cool-down');

      // Requests that went to it anyway (nothing else could serve) are still recorded.
      monitor.record(outcome(clock));
      clock.advance(29_000);
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'tripped');
      clock.advance(1_000);
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'probing');

      let admitted = 0;
      for (let i = 0; i < 1000; i++) if (monitor.admitProbe('openai')) admitted += 1;
      assert.ok(admitted >= 40 && admitted <= 60, `admitted ${admitted} of 1000 at a 5 % share`);

      for (let i = 0; i < 5; i++) monitor.record(outcome(clock, { probe: true }));
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'probing', 'five quick successes are not yet sustained');
      clock.advance(15_000);
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'healthy');
      assert.equal(monitor.get('openai').since, clock.now());

      // Fresh windows: the old failures must not re-trip it.
      await drive(monitor, clock, { durationMs: 60_000, rps: 2 });
      assert.equal(monitor.get('openai').state, 'healthy');
      assert.equal(logs.events('recovered').length, 1);
    });

    it('sends a provider that still fails back to tripped, with a longer cool-down', async () => {
      const monitor = open();
      for (let i = 0; i < 5; i++) monitor.record(outcome(clock, serverError));
      await monitor.tick();
      clock.advance(30_000);
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'probing');
      assert.equal(monitor.admitProbe('openai'), true);
      monitor.record(outcome(clock, { probe: true }));
      monitor.record(outcome(clock, { ...serverError, probe: true }));
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'probing', 'one failed probe alone does not re-trip');
      monitor.record(outcome(clock, { ...serverError, probe: true }));
      await monitor.tick();
      const health = monitor.get('openai');
      assert.equal(health.state, 'tripped');
      assert.equal(health.reason, 'probe_failed');
      assert.equal(monitor.admitProbe('openai'), false);
      clock.advance(30_000);
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'tripped', 'the cool-down grew to 45 s');
      clock.advance(30_000);
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'probing');
    });

    it('drains and restores by hand; restore brings fresh windows', async () => {
      const monitor = open();
      await drive(monitor, clock, { durationMs: 20_000, rps: 2 });
      await monitor.drain('openai');
      assert.equal(monitor.get('openai').state, 'drained');
      assert.equal(monitor.get('openai').reason, 'manual');
      clock.advance(120_000);
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'drained', 'no automatic transition out of drained');
      assert.equal(monitor.admitProbe('openai'), false);

      for (let i = 0; i < 10; i++) monitor.record(outcome(clock, serverError));
      await monitor.tick();
      await monitor.restore('openai');
      assert.equal(monitor.get('openai').state, 'healthy');
      await monitor.tick();
      assert.equal(monitor.get('openai').state, 'healthy');
      const report = monitor.report().providers.find((p) => p.provider === 'openai');
      assert.equal(report?.long.requests, 0, 'restore starts from fresh windows');
    });

    it('follows a trip decided by another instance after one background tick', async () => {
      const a = open();
      const b = open();
      for (let i = 0; i < 5; i++) a.record(outcome(clock, serverError));
      assert.equal(b.get('openai').state, 'healthy');
      await a.tick();
      assert.equal(a.get('openai').state, 'tripped');
      await b.tick();
      assert.equal(b.get('openai').state, 'tripped');
      assert.equal(b.get('openai').reason, 'fast_trip');
      await b.restore('openai');
      await a.tick();
      assert.equal(a.get('openai').state, 'healthy', 'a restore on one instance reaches the others');
    });

    it('evaluates thresholds on the merged windows of all instances', async () => {
      const a = open();
      const b = open();
      // Each instance alone: 4 failures + 1 success, under the 10-request minimum. Together: 8 of 10 failing.
      for (const m of [a, b]) {
        for (let i = 0; i < 4; i++) m.record(outcome(clock, serverError));
        m.record(outcome(clock));
      }
      await a.tick();
      assert.equal(a.get('openai').state, 'healthy', 'A alone has too few requests');
      await b.tick();
      assert.equal(b.get('openai').state, 'tripped');
      await a.tick();
      assert.equal(a.get('openai').state, 'tripped');
      const report = a.report().providers.find((p) => p.provider === 'openai');
      assert.equal(report?.short.requests, 10);
    });

    it('lets exactly one of two racing instances make a transition', async () => {
      const logsA = captureLogs();
      const logsB = captureLogs();
      const a = open({ logger: logsA.logger });
      const b = open({ logger: logsB.logger });
      for (const m of [a, b]) for (let i = 0; i < 5; i++) m.record(outcome(clock, serverError));
      await Promise.all([a.tick(), b.tick()]);
      await Promise.all([a.tick(), b.tick()]);
      assert.equal(a.get('openai').state, 'tripped');
      assert.equal(b.get('openai').state, 'tripped');
      assert.equal(logsA.events('tripped').length + logsB.events('tripped').length, 1);
    });

    it('reports windows, rates, percentiles, score and state per provider and model', async () => {
      const monitor = open();
      await drive(monitor, clock, {
        durationMs: 60_000,
        rps: 2,
        make: (i) => ({
          model: i % 2 === 0 ? 'gpt-a' : 'gpt-b',
          ...(i % 20 === 19 ? rateLimited : {}),
          latencyMs: 1_000,
        }),
      });
      const report = monitor.report();
      assert.equal(report.store.store, kit.name);
      assert.equal(report.store.degraded, false);
      const openai = report.providers.find((p) => p.provider === 'openai');
      assert.ok(openai);
      assert.equal(openai.state, 'healthy', 'exactly 5 % errors is not above 5 %');
      assert.equal(openai.long.requests, 120);
      assert.equal(openai.long.rateLimited, 6);
      assert.equal(openai.long.errors, 6);
      assert.equal(openai.long.rateLimitRate, 0.05);
      assert.ok(openai.long.p50Ms !== null && openai.long.p50Ms > 750 && openai.long.p50Ms <= 1000);
      assert.deepEqual(
        openai.models.map((m) => m.model),
        ['gpt-a', 'gpt-b'],
      );
      assert.equal(openai.models[0]?.long.requests, 60);
      assert.ok(openai.score > 0.8 && openai.score < 1, String(openai.score));
      assert.doesNotThrow(() => JSON.stringify(report));
    });

    it('never throws from record, even on garbage', () => {
      const monitor = open();
      const garbage = {
        provider: 'openai',
        model: 'x',
        ok: false,
        latencyMs: Number.NaN,
        retriesExhausted: false,
        at: Number.NaN,
      };
      assert.doesNotThrow(() => monitor.record(garbage));
      assert.equal(monitor.get('unknown-provider').state, 'healthy');
    });
  });
}
