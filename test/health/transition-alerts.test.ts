/**
 * Transition → alerts, as a pure mapping: what each state change tells an operator, and that the fields
 * come from the right record (the new one, or for a recovery the incident that ended).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Transition } from '../../src/health/decide-transition.ts';
import type { Crossing } from '../../src/health/evaluate-signals.ts';
import { type HealthRecord, initialRecord } from '../../src/health/health-record.ts';
import { manualAlert, transitionAlerts } from '../../src/health/transition-alerts.ts';

const healthy = initialRecord('openai', 0, 30_000);
const trippedRecord: HealthRecord = {
  ...healthy,
  state: 'tripped',
  since: 100,
  version: 1,
  reason: 'fast_trip',
  incident: 'openai@100',
  trigger: { signal: 'fast_trip', value: 5, threshold: 5, window: 'consecutive' },
};
const crossings: Crossing[] = [
  { signal: 'fast_trip', value: 5, threshold: 5, window: 'consecutive', samples: 5 },
  { signal: 'error_rate', value: 0.5, threshold: 0.05, window: 'short', samples: 20 },
];
const transition = (event: Transition['event'], next: HealthRecord): Transition => ({
  event,
  next,
  consumedProbes: false,
});

describe('transition alerts', () => {
  it('a trip from healthy: every crossing, then the trip with the crossing that opened the incident', () => {
    const alerts = transitionAlerts(healthy, transition('tripped', trippedRecord), crossings);
    assert.deepEqual(
      alerts.map((a) => [a.event, a.signal, a.value, a.window]),
      [
        ['threshold_crossed', 'fast_trip', 5, 'consecutive'],
        ['threshold_crossed', 'error_rate', 0.5, 'short'],
        ['tripped', 'fast_trip', 5, 'consecutive'],
      ],
    );
    for (const alert of alerts) {
      assert.equal(alert.incident, 'openai@100');
      assert.equal(alert.state, 'tripped');
      assert.equal(alert.at, 100);
    }
  });

  it('a re-trip from probing names its reason and carries no crossing', () => {
    const probing = { ...trippedRecord, state: 'probing' as const };
    const retripped = { ...trippedRecord, since: 300, reason: 'probe_error_rate' };
    assert.deepEqual(transitionAlerts(probing, transition('tripped', retripped), []), [
      {
        provider: 'openai',
        state: 'tripped',
        at: 300,
        event: 'tripped',
        signal: 'probe_error_rate',
        value: null,
        threshold: null,
        window: null,
        incident: 'openai@100',
      },
    ]);
  });

  it('probing names the incident’s signal; a recovery names the incident that ended; progress says nothing', () => {
    const probing = { ...trippedRecord, state: 'probing' as const, since: 200 };
    const [start] = transitionAlerts(trippedRecord, transition('probing', probing), []);
    assert.deepEqual([start?.event, start?.signal, start?.at], ['probing', 'fast_trip', 200]);
    const recovered = { ...initialRecord('openai', 400, 30_000), version: 3 };
    const [end] = transitionAlerts(probing, transition('recovered', recovered), []);
    assert.deepEqual(
      [end?.event, end?.state, end?.signal, end?.incident],
      ['recovered', 'healthy', 'fast_trip', 'openai@100'],
    );
    assert.deepEqual(transitionAlerts(probing, transition('probe_progress', probing), []), []);
  });

  it('an operator’s change is signal manual, outside any incident', () => {
    assert.deepEqual(manualAlert('gemini', 'drained', 'drained', 5), {
      provider: 'gemini',
      event: 'drained',
      state: 'drained',
      at: 5,
      signal: 'manual',
      value: null,
      threshold: null,
      window: null,
      incident: null,
    });
  });
});
