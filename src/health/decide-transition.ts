/**
 * The automatic state machine, as a pure function of a record and fresh evidence:
 *
 *   healthy --threshold crossed--> tripped --cool-down over--> probing --N probe successes, min time and
 *   a background-level failure share--> healthy;  probing --failed probes in a row, or a probe failure share
 *   above the error-rate threshold--> tripped (cool-down grows).
 *
 * Why not "any failed probe re-trips": every provider fails now and then (0.5-2 % is the normal background),
 * and the number of probes grows with traffic, so under that rule a healthy provider was readmitted by luck
 * (0.98^22 at 30 req/s, 0.98^225 at 300 req/s) and each unlucky probe doubled its cool-down. A provider that
 * is still down fails every probe and re-trips after two; one at the background rate recovers.
 *
 * `drained` is manual and never changes here. Hysteresis comes from three places: the cool-down, the
 * successes-and-time requirement in probing, and fresh windows on recovery (old failures cannot re-trip).
 */
import { type Crossing, wilsonLowerBound } from './evaluate-signals.ts';
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
      return {
        event: 'probing',
        consumedProbes: false,
        next: { ...withoutProbeCounts(base), state: 'probing', since: now, probeSuccesses: 0 },
      };
    }
    case 'probing': {
      const verdict = judgeProbes(record, input.probes, probe);
      if (verdict.retrip) {
        return {
          event: 'tripped',
          consumedProbes: true,
          next: {
            ...withoutProbeCounts(base),
            state: 'tripped',
            since: now,
            reason: verdict.retrip,
            cooldownMs: Math.min(record.cooldownMs * probe.cooldownGrowth, probe.maxCooldownMs),
            probeSuccesses: 0,
          },
        };
      }
      if (
        verdict.successes >= probe.successesToRecover &&
        now - record.since >= probe.minProbeMs &&
        verdict.withinRate
      ) {
        const healthy: HealthRecord = {
          provider: record.provider,
          state: 'healthy',
          since: now,
          version: base.version,
          windowsFrom: now,
          cooldownMs: probe.cooldownMs,
          probeSuccesses: 0,
        };
        return { event: 'recovered', consumedProbes: input.probes.ok + input.probes.failed > 0, next: healthy };
      }
      if (input.probes.ok + input.probes.failed === 0) return undefined;
      const progress: HealthRecord = { ...base, probeSuccesses: verdict.successes };
      if (verdict.failures > 0) progress.probeFailures = verdict.failures;
      if (verdict.streak > 0) progress.probeFailStreak = verdict.streak;
      else delete progress.probeFailStreak;
      return { event: 'probe_progress', consumedProbes: true, next: progress };
    }
    case 'drained':
      return undefined;
  }
}

interface ProbeVerdict {
  successes: number;
  failures: number;
  /** Failed probes since the last success. */
  streak: number;
  /** Why to re-trip, if it should. */
  retrip?: 'probe_failed' | 'probe_error_rate';
  /** The failure share is low enough to recover. */
  withinRate: boolean;
}

/**
 * The probes so far, with the new tally folded in. A tally holds one background cycle's probes (usually one or
 * two) without their order; its failures are taken as the most recent, which can only make a re-trip earlier.
 */
export function judgeProbes(record: HealthRecord, tally: ProbeTally, probe: ProbeOptions): ProbeVerdict {
  const successes = record.probeSuccesses + tally.ok;
  const failures = (record.probeFailures ?? 0) + tally.failed;
  const streak = tally.ok > 0 ? tally.failed : (record.probeFailStreak ?? 0) + tally.failed;
  const total = successes + failures;
  const share = total === 0 ? 0 : failures / total;
  const verdict: ProbeVerdict = { successes, failures, streak, withinRate: share <= probe.maxProbeErrorRate };
  if (streak >= probe.retripAfterFailures) verdict.retrip = 'probe_failed';
  // Above the threshold with 95 % confidence, not merely above it: 2 failures in 20 probes is what a provider
  // at a 2 % background produces one time in sixteen.
  else if (total >= probe.probeErrorRateMinProbes && wilsonLowerBound(failures, total) > probe.maxProbeErrorRate) {
    verdict.retrip = 'probe_error_rate';
  }
  return verdict;
}

function withoutProbeCounts(record: HealthRecord): HealthRecord {
  const { probeFailures: _failures, probeFailStreak: _streak, ...rest } = record;
  return rest;
}
