/**
 * The state driver: for each provider, the thresholds its windows cross, the transition that follows
 * (decide-transition.ts), storing it (shared-records.ts) and the alerts it raises (transition-alerts.ts);
 * and an operator's drain or restore. A lost compare-and-set means another instance moved the provider
 * first: the driver decides again from the record that won, a bounded number of times.
 */

import { decideTransition } from './decide-transition.ts';
import { type Crossing, evaluateSignals } from './evaluate-signals.ts';
import type { AlertEvent, HealthAlert } from './health-alert.ts';
import type { HealthThresholds, ProbeOptions, WindowOptions } from './health-options.ts';
import type { HealthRecord } from './health-record.ts';
import type { ProbeGate } from './probe-gate.ts';
import type { ProviderEvidence } from './provider-evidence.ts';
import type { SharedRecords } from './shared-records.ts';
import { manualAlert, transitionAlerts } from './transition-alerts.ts';
import type { HealthState } from './types.ts';
import type { WindowPair } from './window-summary.ts';

const CAS_ATTEMPTS = 3;

export interface DriverParts {
  records: Pick<SharedRecords, 'entry' | 'commit'>;
  evidence: ProviderEvidence;
  gate: ProbeGate;
  /** A provider's windows ending `now`, ignoring slots before `fromSlot`. */
  windowsOf(provider: string, now: number, fromSlot?: number): WindowPair;
  thresholds: HealthThresholds;
  windows: WindowOptions;
  probe: ProbeOptions;
  emit(alert: HealthAlert): void;
}

/** Parts that can also apply an operator's change (which may have to be kept locally). */
export type ManualParts = Omit<DriverParts, 'records'> & {
  records: Pick<SharedRecords, 'entry' | 'commit' | 'keepManual'>;
};

/** The thresholds a healthy provider's windows cross now (only windows since its record's `windowsFrom`). */
export function crossingsFor(parts: DriverParts, record: HealthRecord, now: number): Crossing[] {
  const { slotMs, shortMs } = parts.windows;
  const { short, long } = parts.windowsOf(record.provider, now, Math.ceil(record.windowsFrom / slotMs));
  return evaluateSignals({
    short,
    long,
    consecutiveFailures: parts.evidence.streak(record.provider),
    now,
    slotMs,
    thresholds: parts.thresholds,
    fresh: record.windowsFrom > 0 && now - record.windowsFrom < shortMs,
  });
}

/** Moves every provider whose evidence calls for it, and raises the alerts. */
export async function driveTransitions(parts: DriverParts, providers: Iterable<string>, now: number): Promise<void> {
  const { records, evidence } = parts;
  for (const provider of providers) {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const entry = records.entry(provider);
      const record = entry.record;
      settleEvidence(parts, provider, record.state);
      const crossings = record.state === 'healthy' ? crossingsFor(parts, record, now) : [];
      const transition = decideTransition({
        record,
        now,
        crossings,
        probes: evidence.probes(provider),
        probe: parts.probe,
      });
      if (!transition) break;
      if (!(await records.commit(provider, entry, transition.next, false))) continue;
      if (transition.consumedProbes) evidence.clearProbes(provider);
      if (transition.next.state !== 'healthy' || transition.event === 'recovered') evidence.clearStreak(provider);
      if (transition.next.state !== 'probing') parts.gate.forget(provider);
      for (const alert of transitionAlerts(record, transition, crossings)) parts.emit(alert);
      break;
    }
  }
}

/**
 * Drops evidence the record's state makes moot: a streak counts toward a trip only while healthy, a tally
 * belongs to one probing period. (All a monitor does per provider when the store decides the transitions.)
 */
export function settleEvidence(parts: Pick<DriverParts, 'evidence'>, provider: string, state: HealthState): void {
  if (state !== 'healthy') parts.evidence.clearStreak(provider);
  if (state !== 'probing') parts.evidence.clearProbes(provider);
}

/** An operator's drain or restore: `make` builds the new record from the current one. */
export async function applyManualChange(
  parts: ManualParts,
  provider: string,
  event: AlertEvent,
  make: (record: HealthRecord, now: number) => HealthRecord,
  now: number,
): Promise<void> {
  const { records } = parts;
  let next: HealthRecord | undefined;
  for (let attempt = 0; attempt < CAS_ATTEMPTS && !next; attempt++) {
    const entry = records.entry(provider);
    const candidate = { ...make(entry.record, now), version: entry.record.version + 1 };
    if (await records.commit(provider, entry, candidate, true)) next = candidate;
  }
  if (!next) {
    // Lost the race every time: keep it locally; the next read pushes it over whatever is stored.
    const entry = records.entry(provider);
    next = { ...make(entry.record, now), version: entry.record.version + 1 };
    records.keepManual(provider, next, entry.record.version);
  }
  parts.evidence.clearStreak(provider);
  parts.evidence.clearProbes(provider);
  parts.gate.forget(provider);
  parts.emit(manualAlert(provider, event, next.state, now));
}
