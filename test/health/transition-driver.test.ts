/**
 * The state driver on its own, with records on a real memory store and windows handed in: a crossing trips
 * and alerts, a lost compare-and-set is decided again from the winner's record, evidence is cleared where a
 * transition consumed it, and an operator's change lands even after losing every race.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthAlert } from '../../src/health/health-alert.ts';
import { DEFAULT_PROBE, DEFAULT_THRESHOLDS, DEFAULT_WINDOWS } from '../../src/health/health-options.ts';
import { type HealthRecord, initialRecord } from '../../src/health/health-record.ts';
import { createMemoryHealthStore } from '../../src/health/memory-store.ts';
import { ProbeGate } from '../../src/health/probe-gate.ts';
import { ProviderEvidence } from '../../src/health/provider-evidence.ts';
import { SharedRecords } from '../../src/health/shared-records.ts';
import { emptyCounts } from '../../src/health/slot-counts.ts';
import { StoreStatus } from '../../src/health/store-status.ts';
import { applyManualChange, driveTransitions, type ManualParts } from '../../src/health/transition-driver.ts';
import type { WindowSummary } from '../../src/health/window-summary.ts';
import { ManualClock } from '../support/manual-clock.ts';

const empty = (): WindowSummary => ({ ...emptyCounts(), oldestSlot: undefined });

function parts(records: ManualParts['records']): ManualParts & { alerts: HealthAlert[] } {
  const alerts: HealthAlert[] = [];
  return {
    records,
    evidence: new ProviderEvidence(),
    gate: new ProbeGate(1),
    windowsOf: () => ({ short: empty(), long: empty() }),
    thresholds: DEFAULT_THRESHOLDS,
    windows: DEFAULT_WINDOWS,
    probe: DEFAULT_PROBE,
    emit: (alert) => alerts.push(alert),
    alerts,
  };
}

function sharedRecords() {
  const store = createMemoryHealthStore();
  const status = new StoreStatus('memory', new ManualClock(), () => undefined);
  return new SharedRecords(store, status, (provider) => initialRecord(provider, 0, 30_000));
}

describe('transition driver', () => {
  it('five provider faults in a row trip the provider, alert, and clear the streak', async () => {
    const p = parts(sharedRecords());
    for (let i = 0; i < 5; i++) p.evidence.note('openai', { class: 'provider_fault' }, false);
    await driveTransitions(p, ['openai'], 10_000);
    assert.equal(p.records.entry('openai').record.state, 'tripped');
    assert.equal(p.evidence.streak('openai'), 0);
    assert.deepEqual(
      p.alerts.map((a) => a.event),
      ['threshold_crossed', 'tripped'],
    );
  });

  it('a lost compare-and-set is decided again from the record that won', async () => {
    const inner = sharedRecords();
    let lost = false;
    const racing: ManualParts['records'] = {
      entry: (provider) => inner.entry(provider),
      keepManual: (...args) => inner.keepManual(...args),
      async commit(provider, entry, next, manual) {
        if (!lost) {
          lost = true;
          // Another instance drained it first.
          const drained: HealthRecord = { ...entry.record, state: 'drained', version: 1, reason: 'manual' };
          await inner.commit(provider, entry, drained, true);
          return false;
        }
        return inner.commit(provider, entry, next, manual);
      },
    };
    const p = parts(racing);
    for (let i = 0; i < 5; i++) p.evidence.note('openai', { class: 'provider_fault' }, false);
    await driveTransitions(p, ['openai'], 10_000);
    assert.equal(inner.entry('openai').record.state, 'drained', 'a drained provider never trips');
    assert.deepEqual(p.alerts, [], 'the loser alerts nothing');
    assert.equal(p.evidence.streak('openai'), 0, 'a streak only counts while healthy');
  });

  it('a tripped provider moves to probing after its cool-down, and probes decide the recovery', async () => {
    const records = sharedRecords();
    const p = parts(records);
    for (let i = 0; i < 5; i++) p.evidence.note('openai', { class: 'provider_fault' }, false);
    await driveTransitions(p, ['openai'], 10_000);
    await driveTransitions(p, ['openai'], 10_000 + DEFAULT_PROBE.cooldownMs);
    assert.equal(records.entry('openai').record.state, 'probing');
    for (let i = 0; i < DEFAULT_PROBE.successesToRecover; i++) p.evidence.note('openai', { class: 'success' }, true);
    await driveTransitions(p, ['openai'], 10_000 + DEFAULT_PROBE.cooldownMs + DEFAULT_PROBE.minProbeMs);
    assert.equal(records.entry('openai').record.state, 'healthy');
    assert.deepEqual(p.evidence.probes('openai'), { ok: 0, failed: 0 }, 'the probes were consumed');
    assert.deepEqual(
      p.alerts.map((a) => a.event),
      ['threshold_crossed', 'tripped', 'probing', 'recovered'],
    );
  });

  it('an operator’s change that loses every race is kept locally, clears evidence and alerts', async () => {
    const inner = sharedRecords();
    const p = parts({
      entry: (provider) => inner.entry(provider),
      keepManual: (...args) => inner.keepManual(...args),
      commit: async () => false,
    });
    p.evidence.note('openai', { class: 'provider_fault' }, false);
    await applyManualChange(p, 'openai', 'drained', (r, now) => ({ ...r, state: 'drained', since: now }), 42);
    const entry = inner.entry('openai');
    assert.equal(entry.record.state, 'drained');
    assert.equal(entry.manual, true);
    assert.equal(entry.unsyncedBase, 0);
    assert.equal(p.evidence.streak('openai'), 0);
    assert.deepEqual(
      p.alerts.map((a) => [a.event, a.signal, a.at]),
      [['drained', 'manual', 42]],
    );
  });
});
