/**
 * The pure pieces of the health policy: outcome classification, latency percentiles, signal evaluation,
 * the transition function, score, option validation, probe cadence, report shape and error redaction.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyOutcome } from '../../src/health/classify-outcome.ts';
import { computeScore } from '../../src/health/compute-score.ts';
import { decideTransition } from '../../src/health/decide-transition.ts';
import { evaluateSignals } from '../../src/health/evaluate-signals.ts';
import {
  DEFAULT_PROBE,
  DEFAULT_THRESHOLDS,
  resolveProbe,
  resolveThresholds,
  resolveWindows,
} from '../../src/health/health-options.ts';
import { type HealthRecord, initialRecord, parseRecord } from '../../src/health/health-record.ts';
import { healthReport } from '../../src/health/health-report.ts';
import {
  LATENCY_BOUNDS_MS,
  LATENCY_BUCKET_COUNT,
  latencyBucket,
  percentileFromBuckets,
} from '../../src/health/latency-buckets.ts';
import { ProbeGate } from '../../src/health/probe-gate.ts';
import { redactStoreError } from '../../src/health/redact-store-error.ts';
import { modelSeriesId, parseSeriesId, providerSeriesId } from '../../src/health/series-id.ts';
import { addField, addSignals, countsToFields, emptyCounts } from '../../src/health/slot-counts.ts';
import type { Outcome } from '../../src/health/types.ts';
import type { WindowSummary } from '../../src/health/window-summary.ts';

const base: Outcome = { provider: 'p', model: 'm', ok: true, latencyMs: 100, retriesExhausted: false, at: 0 };

function windowOf(requests: number, fields: Partial<WindowSummary> = {}): WindowSummary {
  const w: WindowSummary = { ...emptyCounts(), requests, oldestSlot: 0, ...fields };
  return w;
}

describe('classifyOutcome', () => {
  it('counts provider faults as errors, client faults as requests only, as the Outcome says', () => {
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'server', fault: 'provider' }).class, 'provider_fault');
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'bad_request', fault: 'client' }).class, 'client_fault');
    assert.equal(
      classifyOutcome({ ...base, ok: false, kind: 'bad_request' }).class,
      'provider_fault',
      'a failure that names no fault counts against the provider',
    );
    assert.equal(
      classifyOutcome({ ...base, ok: false }).class,
      'provider_fault',
      'unknown failures count against the provider',
    );
    assert.equal(classifyOutcome(base).class, 'success');
  });

  it('finds 429s and 5xx by status, and by kind when there is no status', () => {
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'rate_limit', status: 429 }).rateLimited, true);
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'quota_exhausted', status: 429 }).rateLimited, true);
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'rate_limit' }).rateLimited, true);
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'overloaded', status: 529 }).serverError, true);
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'timeout', status: 504 }).serverError, true);
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'overloaded' }).serverError, true);
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'server' }).serverError, true);
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'timeout' }).serverError, false);
    assert.equal(
      classifyOutcome({ ...base, ok: false, kind: 'bad_request', fault: 'client', status: 400 }).serverError,
      false,
    );
    assert.equal(
      classifyOutcome({ ...base, ok: false, kind: 'rate_limit', fault: 'client', status: 429 }).rateLimited,
      false,
      'only provider-fault 429s',
    );
  });

  it('uses time to first byte for latency when present, and marks exhaustion only on failures', () => {
    assert.equal(classifyOutcome({ ...base, latencyMs: 50_000, firstByteMs: 900 }).latencyMs, 900);
    assert.equal(classifyOutcome({ ...base, latencyMs: 50_000 }).latencyMs, 50_000);
    assert.equal(classifyOutcome({ ...base, latencyMs: Number.NaN }).latencyMs, undefined);
    assert.equal(classifyOutcome({ ...base, retriesExhausted: true }).exhausted, false);
    assert.equal(classifyOutcome({ ...base, ok: false, kind: 'server', retriesExhausted: true }).exhausted, true);
  });
});

describe('latency buckets', () => {
  it('puts a latency in the first bucket whose bound is at least it', () => {
    assert.equal(latencyBucket(0), 0);
    assert.equal(latencyBucket(10), 0);
    assert.equal(latencyBucket(11), 1);
    assert.equal(LATENCY_BOUNDS_MS[latencyBucket(30_000)], 30_000);
    assert.equal(LATENCY_BOUNDS_MS[latencyBucket(30_001)], 35_000);
    assert.equal(latencyBucket(10_000_000), LATENCY_BUCKET_COUNT - 1);
  });

  it('computes percentiles from merged counts', () => {
    const counts = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
    counts[latencyBucket(800)] = 97;
    counts[latencyBucket(45_000)] = 3;
    assert.ok((percentileFromBuckets(counts, 0.5) ?? 0) <= 1000);
    const p99 = percentileFromBuckets(counts, 0.99) ?? 0;
    assert.ok(p99 > 40_000 && p99 <= 50_000, String(p99));
    assert.equal(percentileFromBuckets(new Array<number>(LATENCY_BUCKET_COUNT).fill(0), 0.99), undefined);
    const overflow = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
    overflow[LATENCY_BUCKET_COUNT - 1] = 1;
    assert.equal(percentileFromBuckets(overflow, 0.99), 600_000);
  });

  it('round-trips counts through store fields', () => {
    const counts = emptyCounts();
    addSignals(
      counts,
      classifyOutcome({
        ...base,
        ok: false,
        kind: 'overloaded',
        status: 529,
        retriesExhausted: true,
        latencyMs: 31_000,
      }),
    );
    const back = emptyCounts();
    for (const [field, value] of countsToFields(counts)) addField(back, field, value);
    addField(back, 'future-field', 3);
    assert.deepEqual(back, counts);
  });
});

describe('evaluateSignals', () => {
  const t = DEFAULT_THRESHOLDS;
  const now = 1_000_000_000;
  const slotMs = 10_000;
  const eval_ = (short: WindowSummary, long: WindowSummary, consecutiveFailures = 0) =>
    evaluateSignals({ short, long, consecutiveFailures, now, slotMs, thresholds: t });

  it('ignores rates below the minimum sample', () => {
    assert.deepEqual(eval_(windowOf(2, { errors: 1 }), windowOf(2, { errors: 1 })), []);
    assert.deepEqual(eval_(windowOf(19, { errors: 9, rateLimited: 9 }), windowOf(19, { errors: 9 })), []);
  });

  it('needs the long window to cover the sustain period before 5xx counts', () => {
    const oldSlot = Math.floor((now - 280_000) / slotMs);
    const newSlot = Math.floor((now - 60_000) / slotMs);
    const long = (oldestSlot: number) => windowOf(600, { errors: 18, serverErrors: 18, oldestSlot });
    assert.deepEqual(eval_(windowOf(120, { errors: 3 }), long(newSlot)), []);
    const crossings = eval_(windowOf(120, { errors: 3 }), long(oldSlot));
    assert.deepEqual(
      crossings.map((c) => c.signal),
      ['server_error_rate'],
    );
    assert.equal(crossings[0]?.window, 'long');
    assert.equal(crossings[0]?.threshold, 0.02);
  });

  it('orders crossings most specific first and reports the fast trip by its count', () => {
    const crossings = eval_(
      windowOf(100, { errors: 20, rateLimited: 20 }),
      windowOf(100, { errors: 20, rateLimited: 20 }),
      7,
    );
    assert.deepEqual(
      crossings.map((c) => c.signal),
      ['fast_trip', 'rate_limit_rate', 'error_rate'],
    );
    assert.deepEqual({ value: crossings[0]?.value, window: crossings[0]?.window }, { value: 7, window: 'consecutive' });
  });

  it('respects disabled signals and overrides', () => {
    const thresholds = resolveThresholds({ errorRate: { enabled: false }, fastTrip: { consecutiveFailures: 0 } });
    const crossings = evaluateSignals({
      short: windowOf(100, { errors: 10 }),
      long: windowOf(100, { errors: 10 }),
      consecutiveFailures: 50,
      now,
      slotMs,
      thresholds,
    });
    assert.deepEqual(crossings, []);
  });
});

describe('decideTransition', () => {
  const probe = DEFAULT_PROBE;
  const healthy = initialRecord('p', 0, probe.cooldownMs);
  const crossing = {
    signal: 'error_rate' as const,
    value: 0.2,
    threshold: 0.05,
    window: 'short' as const,
    samples: 40,
  };
  const none = { ok: 0, failed: 0 };

  it('trips a healthy provider on a crossing, opening an incident', () => {
    const t = decideTransition({ record: healthy, now: 5000, crossings: [crossing], probes: none, probe });
    assert.equal(t?.event, 'tripped');
    assert.equal(t?.next.state, 'tripped');
    assert.equal(t?.next.version, 1);
    assert.equal(t?.next.incident, 'p@5000');
    assert.deepEqual(t?.next.trigger, { signal: 'error_rate', value: 0.2, threshold: 0.05, window: 'short' });
    assert.equal(decideTransition({ record: healthy, now: 5000, crossings: [], probes: none, probe }), undefined);
  });

  it('moves tripped to probing only after the cool-down', () => {
    const tripped: HealthRecord = { ...healthy, state: 'tripped', since: 1000, version: 1 };
    assert.equal(decideTransition({ record: tripped, now: 30_999, crossings: [], probes: none, probe }), undefined);
    assert.equal(
      decideTransition({ record: tripped, now: 31_000, crossings: [], probes: none, probe })?.next.state,
      'probing',
    );
  });

  it('re-trips after failed probes in a row, growing the cool-down up to the maximum', () => {
    const probing: HealthRecord = {
      ...healthy,
      state: 'probing',
      since: 0,
      version: 2,
      cooldownMs: 30_000,
      probeSuccesses: 3,
    };
    const one = decideTransition({ record: probing, now: 1, crossings: [], probes: { ok: 9, failed: 1 }, probe });
    assert.equal(one?.event, 'probe_progress', 'one failed probe after successes is not a re-trip');
    assert.equal(one?.next.probeFailStreak, 1);
    const two = decideTransition({ record: one!.next, now: 2, crossings: [], probes: { ok: 0, failed: 1 }, probe });
    assert.equal(two?.next.state, 'tripped');
    assert.equal(two?.next.reason, 'probe_failed');
    assert.equal(two?.next.cooldownMs, 45_000, '30 s doubled, capped at 45 s');
    assert.equal(two?.next.probeFailures, undefined, 'probe counts start afresh');
    assert.equal(two?.consumedProbes, true);
  });

  it('recovers after enough probe successes and the minimum time, with fresh windows', () => {
    const probing: HealthRecord = {
      ...healthy,
      state: 'probing',
      since: 0,
      version: 2,
      cooldownMs: 60_000,
      incident: 'p@0',
    };
    const early = decideTransition({ record: probing, now: 1000, crossings: [], probes: { ok: 5, failed: 0 }, probe });
    assert.equal(early?.event, 'probe_progress');
    assert.equal(early?.next.probeSuccesses, 5);
    const later = decideTransition({
      record: { ...probing, probeSuccesses: 5 },
      now: 15_000,
      crossings: [],
      probes: none,
      probe,
    });
    assert.equal(later?.event, 'recovered');
    assert.deepEqual(later?.next, {
      provider: 'p',
      state: 'healthy',
      since: 15_000,
      version: 3,
      windowsFrom: 15_000,
      cooldownMs: probe.cooldownMs,
      probeSuccesses: 0,
    });
  });

  it('never moves a drained provider', () => {
    const drained: HealthRecord = { ...healthy, state: 'drained', version: 1 };
    assert.equal(
      decideTransition({ record: drained, now: 1e12, crossings: [crossing], probes: { ok: 100, failed: 100 }, probe }),
      undefined,
    );
  });
});

describe('score, probes, options, records, reports', () => {
  it('scores from success share and median latency', () => {
    assert.equal(computeScore(windowOf(0), windowOf(0), 30_000), 1);
    assert.equal(computeScore(windowOf(10, { errors: 5 }), windowOf(10), 30_000), 0.5);
    const slow = windowOf(10);
    slow.latency[latencyBucket(30_000)] = 10;
    assert.ok(computeScore(slow, slow, 30_000) <= 0.55);
  });

  it('admits exactly the configured share of probes, first one at once', () => {
    const gate = new ProbeGate(0.05);
    const admitted = Array.from({ length: 100 }, () => gate.admit('p', 1)).flatMap((ok, i) => (ok ? [i] : []));
    assert.deepEqual(admitted, [0, 20, 40, 60, 80]);
    assert.equal(gate.admit('p', 2), true, 'a new probing period starts with a probe');
    assert.equal(new ProbeGate(0).admit('p', 1), false);
  });

  it('validates options with messages that name the field', () => {
    assert.throws(() => resolveThresholds({ errorRate: { above: 2 } }), /thresholds\.errorRate\.above/);
    assert.throws(
      () => resolveThresholds({ p99Latency: { window: 'medium' as 'short' } }),
      /thresholds\.p99Latency\.window/,
    );
    assert.throws(() => resolveWindows({ shortMs: 15_000 }), /shortMs \(15000\) must be a positive multiple of slotMs/);
    assert.throws(() => resolveWindows({ shortMs: 600_000 }), /must not exceed longMs/);
    assert.throws(() => resolveProbe({ share: -1 }), /probe\.share/);
    assert.equal(
      resolveThresholds({ errorRate: { above: 0.1 } }).errorRate.minSamples,
      20,
      'overrides merge per signal',
    );
  });

  it('reads back only well-formed records', () => {
    const record: HealthRecord = {
      ...initialRecord('p', 5, 30_000),
      state: 'tripped',
      version: 3,
      reason: 'fast_trip',
      trigger: { signal: 'fast_trip', value: 5, threshold: 5, window: 'consecutive' },
    };
    assert.deepEqual(parseRecord(JSON.parse(JSON.stringify(record))), record);
    assert.equal(parseRecord({ provider: 'p', state: 'exploded', since: 0, version: 1 }), undefined);
    assert.equal(parseRecord('nope'), undefined);
  });

  it('names series so provider names cannot collide with the separator', () => {
    assert.equal(providerSeriesId('a|b'), 'a%7Cb');
    assert.deepEqual(parseSeriesId(modelSeriesId('a|b', 'meta/llama|x')), { provider: 'a|b', model: 'meta/llama|x' });
    assert.deepEqual(parseSeriesId('openai'), { provider: 'openai' });
  });

  it('redacts credentials from store errors', () => {
    assert.equal(
      redactStoreError('connect to redis://user:hunter2@host:6379 failed'),
      'connect to redis://[redacted]@host:6379 failed',
    );
    assert.equal(redactStoreError('WRONGPASS password=hunter2'), 'WRONGPASS password=[redacted]');
  });

  it('shapes a JSON-safe report', () => {
    const short = windowOf(10, { errors: 1, rateLimited: 1 });
    short.latency[latencyBucket(900)] = 10;
    const report = healthReport({
      at: 1,
      store: { store: 'redis', degraded: true, lastError: 'down' },
      windows: { slotMs: 10_000, shortMs: 60_000, longMs: 300_000 },
      thresholds: DEFAULT_THRESHOLDS,
      providers: [
        {
          record: initialRecord('b', 0, 1),
          score: 0.9,
          short,
          long: windowOf(0),
          models: [{ model: 'x', short, long: short }],
        },
        { record: initialRecord('a', 0, 1), score: 1, short: windowOf(0), long: windowOf(0), models: [] },
      ],
    });
    assert.deepEqual(
      report.providers.map((p) => p.provider),
      ['a', 'b'],
    );
    const b = report.providers[1];
    assert.equal(b?.short.errorRate, 0.1);
    assert.equal(b?.short.rateLimitRate, 0.1);
    assert.equal(b?.long.p99Ms, null);
    assert.equal(b?.reason, null);
    assert.equal(b?.models[0]?.model, 'x');
    assert.deepEqual(report.store, { store: 'redis', degraded: true, lastError: 'down' });
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  });
});
