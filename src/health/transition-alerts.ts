/**
 * Which alerts a state change raises. Pure: the caller emits them (and the alerter dedupes them).
 *
 * A trip from healthy names every threshold crossed, then the trip itself with the crossing that opened the
 * incident; a re-trip after failed probes, the move to probing and the recovery carry the incident's signal.
 * Probe progress raises nothing.
 */

import type { Transition } from './decide-transition.ts';
import type { Crossing } from './evaluate-signals.ts';
import type { AlertEvent, HealthAlert } from './health-alert.ts';
import type { HealthRecord } from './health-record.ts';
import type { HealthState } from './types.ts';

export function transitionAlerts(
  previous: HealthRecord,
  transition: Transition,
  crossings: readonly Crossing[],
): HealthAlert[] {
  const next = transition.next;
  const alert = (
    event: AlertEvent,
    signal: string | null,
    incident: string | null,
    crossing?: { value: number | null; threshold: number | null; window: string | null },
  ): HealthAlert => ({
    provider: next.provider,
    state: next.state,
    at: next.since,
    event,
    signal,
    value: crossing?.value ?? null,
    threshold: crossing?.threshold ?? null,
    window: crossing?.window ?? null,
    incident,
  });
  const incident = next.incident ?? null;
  switch (transition.event) {
    case 'tripped': {
      if (previous.state !== 'healthy') return [alert('tripped', next.reason ?? 'probe_failed', incident)];
      const t = next.trigger;
      return [
        ...crossings.map((c) => alert('threshold_crossed', c.signal, incident, c)),
        alert('tripped', t?.signal ?? next.reason ?? null, incident, t),
      ];
    }
    case 'probing':
      return [alert('probing', next.trigger?.signal ?? next.reason ?? null, incident)];
    case 'recovered':
      return [alert('recovered', previous.trigger?.signal ?? previous.reason ?? null, previous.incident ?? null)];
    case 'probe_progress':
      return [];
  }
}

/** The alert of an operator's drain or restore. */
export function manualAlert(provider: string, event: AlertEvent, state: HealthState, at: number): HealthAlert {
  return { provider, event, state, at, signal: 'manual', value: null, threshold: null, window: null, incident: null };
}
