/**
 * A provider's shared state as the store keeps it. `version` grows by one on every change; stores replace
 * a record only if the version the writer saw is still current (compare-and-set), so two instances can
 * never both move the same provider in different directions.
 */
import type { HealthState } from './types.ts';

export interface TripTrigger {
  signal: string;
  value: number;
  threshold: number;
  window: string;
}

export interface HealthRecord {
  provider: string;
  state: HealthState;
  /** Clock time the state was entered. */
  since: number;
  /** Why it is not healthy: a signal name, `probe_failed` or `manual`. */
  reason?: string;
  version: number;
  /** Threshold evaluation ignores window data older than this: fresh windows after a recovery or restore. */
  windowsFrom: number;
  /** Current cool-down before probing, ms (grows after failed probes). */
  cooldownMs: number;
  /** Probe successes in this probing period. */
  probeSuccesses: number;
  /** Probe failures in this probing period (absent: none). */
  probeFailures?: number;
  /** Failed probes since the last successful one (absent: none). */
  probeFailStreak?: number;
  /** Identifies one incident from the first trip to recovery (alert dedupe). */
  incident?: string;
  /** The crossing that opened the incident. */
  trigger?: TripTrigger;
}

/** The record of a provider nobody has reported on: healthy, version 0 (no record stored). */
export function initialRecord(provider: string, since: number, cooldownMs: number): HealthRecord {
  return { provider, state: 'healthy', since, version: 0, windowsFrom: 0, cooldownMs, probeSuccesses: 0 };
}

const STATES: ReadonlySet<string> = new Set<HealthState>(['healthy', 'tripped', 'probing', 'drained']);

/** Validates a record read from a store (another gateway version may have written it). */
export function parseRecord(raw: unknown): HealthRecord | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const state = r.state;
  if (typeof r.provider !== 'string' || typeof state !== 'string' || !STATES.has(state)) return undefined;
  const num = (key: string): number | undefined => {
    const v = r[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const since = num('since');
  const version = num('version');
  if (since === undefined || version === undefined) return undefined;
  const record: HealthRecord = {
    provider: r.provider,
    state: state as HealthState,
    since,
    version,
    windowsFrom: num('windowsFrom') ?? 0,
    cooldownMs: num('cooldownMs') ?? 0,
    probeSuccesses: num('probeSuccesses') ?? 0,
  };
  const failures = num('probeFailures');
  if (failures !== undefined) record.probeFailures = failures;
  const streak = num('probeFailStreak');
  if (streak !== undefined) record.probeFailStreak = streak;
  if (typeof r.reason === 'string') record.reason = r.reason;
  if (typeof r.incident === 'string') record.incident = r.incident;
  const trigger = r.trigger;
  if (typeof trigger === 'object' && trigger !== null) {
    const t = trigger as Record<string, unknown>;
    if (
      typeof t.signal === 'string' &&
      typeof t.value === 'number' &&
      typeof t.threshold === 'number' &&
      typeof t.window === 'string'
    ) {
      record.trigger = { signal: t.signal, value: t.value, threshold: t.threshold, window: t.window };
    }
  }
  return record;
}
