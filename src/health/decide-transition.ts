/**
 * The automatic state machine, as a pure function of a record and fresh evidence:
 *
 *   healthy --threshold crossed--> tripped --cool-down over--> probing --N probe successes and
 *   min time--> healthy;  probing --any probe failure--> tripped (cool-down grows).
 *
 * `drained` is manual and never changes here. Hysteresis comes from three places: the cool-down, the
 * successes-and-time requirement in probing, and fresh windows on recovery (old failures cannot re-trip).
 */
import type { Crossing } from './evaluate-signals.ts';
import type { ProbeOptions } from './health-options.ts';
import type { HealthRecord } from './health-record.ts';

export interface ProbeTally {
  ok: number;
  failed: number;
}

export interface TransitionInput {
  record: HealthRecord;
  now: number;
  /** Thresholds crossed on the merged windows (only looked at while healthy). */
  crossings: readonly Crossing[];
  /** Probe outcomes not yet applied to the record. */
  probes: ProbeTally;
  probe: ProbeOptions;
}

export type TransitionEvent = 'tripped' | 'probing' | 'recovered' | 'probe_progress';

export interface Transition {
  next: HealthRecord;
  event: TransitionEvent;
  /** Whether `probes` were folded into `next` (the caller can forget them once `next` is stored). */
  consumedProbes: boolean;
}

export function decideTransition(input: TransitionInput): Transition | undefined {
  const { record, now, probe } = input;
  const base = { ...record, version: record.version + 1 };
  switch (record.state) {
    case 'healthy': {
      const first = input.crossings[0];
      if (!first) return undefined;
      return {
        event: 'tripped',
        consumedProbes: false,
        next: {
          ...base,
          state: 'tripped',
          since: now,
          reason: first.signal,
          incident: `${record.provider}@${now}`,
          trigger: { signal: first.signal, value: first.value, threshold: first.threshold, window: first.window },
          cooldownMs: probe.cooldownMs,
          probeSuccesses: 0,
        },
      };
    }
    case 'tripped': {
      if (now < record.since + record.cooldownMs) return undefined;
      return { event: 'probing', consumedProbes: false, next: { ...base, state: 'probing', since: now, probeSuccesses: 0 } };
    }
    case 'probing': {
      if (input.probes.failed > 0) {
        return {
          event: 'tripped',
          consumedProbes: true,
          next: {
            ...base,
            state: 'tripped',
            since: now,
            reason: 'probe_failed',
            cooldownMs: Math.min(record.cooldownMs * probe.cooldownGrowth, probe.maxCooldownMs),
            probeSuccesses: 0,
          },
        };
      }
      const successes = record.probeSuccesses + input.probes.ok;
      if (successes >= probe.successesToRecover && now - record.since >= probe.minProbeMs) {
        const healthy: HealthRecord = {
          provider: record.provider,
          state: 'healthy',
          since: now,
          version: base.version,
          windowsFrom: now,
          cooldownMs: probe.cooldownMs,
          probeSuccesses: 0,
        };
        return { event: 'recovered', consumedProbes: input.probes.ok > 0, next: healthy };
      }
      if (input.probes.ok === 0) return undefined;
      return { event: 'probe_progress', consumedProbes: true, next: { ...base, probeSuccesses: successes } };
    }
    case 'drained':
      return undefined;
  }
}
