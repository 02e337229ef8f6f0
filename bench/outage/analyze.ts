/**
 * Turns what the outage benchmark recorded (client results, upstream arrivals, shared health records, the
 * instances' own views) into per-second rows, per-phase summaries and the headline figures. Pure.
 *
 * Times: everything is epoch ms from the same machine clock (the gateways' `since` included); rows and
 * summaries use offsets from the start of the incident (`t0`). Client requests are counted in the second
 * they were sent; upstream requests in the second they arrived.
 */

import { nearestRank } from '../lib/stats.ts';
import type { ClientResult } from './load.ts';
import { type Phase, type PhaseId, phaseAt, type Scenario } from './scenario.ts';
import { type Arrival, PROVIDERS, type ProviderName } from './upstreams.ts';
import type { AdminSample, SharedChange, WindowSample } from './watch.ts';

export interface RunData {
  scenario: Scenario;
  /** Epoch ms the incident started (first request of the first phase). */
  t0: number;
  /** Offset of the end of the load, ms. */
  endMs: number;
  results: ClientResult[];
  arrivals: Record<ProviderName, Arrival[]>;
  /** Shared health records of every provider, as polled from Redis. */
  changes: SharedChange[];
  admin: AdminSample[];
  /** OpenAI's short window as its thresholds evaluate it (from Redis). */
  windows: WindowSample[];
  instances: number;
  errorRateThreshold: { above: number; minSamples: number };
  baseline: LatencyStats;
}

export interface LatencyStats {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export type Counts = Record<ProviderName, number>;

export interface StateInterval {
  state: string;
  reason: string | null;
  /** The cool-down the record carries (for a tripped state: how long before probing starts), ms. */
  cooldownMs: number | null;
  /** Offsets from t0, ms; `toMs` is the end of the run for the last interval. */
  fromMs: number;
  toMs: number;
}

export interface SecondRow {
  t: number;
  phase: PhaseId;
  sent: number;
  served: Counts;
  clientErrors: number;
  /** Sum of x-switchyard-attempts over the second's requests. */
  attempts: number;
  upstream: Counts;
  openaiFailed: number;
  /** OpenAI's shared state at the end of the second. */
  openaiState: string;
  /**
   * OpenAI's short-window error rate as the `error_rate` threshold evaluates it (fresh windows after a
   * recovery), the highest during the second; null while the window holds fewer than `minSamples` requests.
   */
  evaluatedErrorRate: number | null;
  /** The same, from the samples taken while OpenAI was healthy (the only state in which thresholds are evaluated). */
  evaluatedWhileHealthy: number | null;
  /** The same window as `/admin/health` reports it (no fresh-window cut), highest of the instances. */
  adminErrorRate: number | null;
  latencyP50: number | null;
  latencyP99: number | null;
  /** The same minus the direct-to-mock baseline median, ms. */
  addedP50: number | null;
  addedP99: number | null;
}

export interface PhaseSummary {
  id: PhaseId;
  label: string;
  fromS: number;
  toS: number;
  clientRequests: number;
  clientErrors: number;
  errorsByStatus: Record<string, number>;
  served: Counts;
  upstream: Counts;
  openaiFailed: number;
  /** OpenAI upstream requests while its shared state was tripped / probing. */
  openaiWhileTripped: number;
  openaiWhileProbing: number;
  /** Upstream requests (all providers) / client requests. */
  amplification: number | null;
  /** Mean x-switchyard-attempts. */
  attemptsPerRequest: number | null;
  latency: LatencyStats;
  /** Latency minus the direct baseline's median, ms. */
  addedP50: number | null;
  addedP99: number | null;
  trips: number;
  probeFailures: number;
  recoveries: number;
  /** Second (and later) attempts at OpenAI within one client request: the gateway's own retries there. */
  openaiRetries: number;
  /** Every x-switchyard-fallback-reason code of the phase's requests, counted (`openai:server_500`, `openai:skip_wait`...). */
  reasons: Record<string, number>;
}

export interface TripFigures {
  /** OpenAI's state when the phase began; a trip is only measured from healthy. */
  stateAtStart: string;
  /** From the start of the phase to the shared trip, ms. */
  tripAfterMs: number | null;
  reason: string | null;
  /** From the start of the phase until every instance reported it not healthy (admin polls), ms. */
  allInstancesAfterMs: number | null;
  /** OpenAI requests that failed between the start of the phase and the trip. */
  failedBeforeTrip: number;
}

export interface Headline {
  clientRequests: number;
  clientErrors: number;
  hardFailure: TripFigures;
  rateLimitStorm: TripFigures;
  partialFailure: {
    stateAtStart: string;
    /** From the start of the phase until OpenAI was healthy again, ms (null: not within the phase). */
    healthyAfterMs: number | null;
    trips: number;
    probeFailures: number;
  };
  recovery: {
    stateAtStart: string;
    /** From the heal until OpenAI's shared state was healthy, ms. */
    healthyAfterMs: number | null;
    /** From the heal until OpenAI served ≥ 95 % of requests for 5 seconds running, s. */
    trafficBackAfterS: number | null;
  };
  /** OpenAI requests while it was tripped: within 1 s of the trip (in flight / propagation) and later. */
  sentWhileTripped: { total: number; withinOneSecond: number; later: number };
  sentWhileProbing: number;
  amplification: number | null;
  attemptsPerRequest: number | null;
  /** Shared-state versions skipped between polls (0 = every transition seen). */
  missedTransitions: number;
}

export interface Analysis {
  rows: SecondRow[];
  phases: PhaseSummary[];
  openaiStates: StateInterval[];
  headline: Headline;
}

export function analyze(data: RunData, missedTransitions: number): Analysis {
  const openaiStates = stateIntervals(
    data.changes.filter((change) => change.provider === 'openai'),
    data.t0,
    data.endMs,
  );
  const stateAt = (offsetMs: number): StateInterval | undefined => {
    let found: StateInterval | undefined;
    for (const interval of openaiStates) if (interval.fromMs <= offsetMs) found = interval;
    return found;
  };
  const phaseEnd = (phase: Phase): number => {
    const index = data.scenario.phases.indexOf(phase);
    return index === data.scenario.phases.length - 1 ? data.endMs : phase.startMs + phase.durationMs;
  };
  const rows = secondRows(data, stateAt);
  const phases = data.scenario.phases.map((phase) =>
    summarizePhase(data, phase, phaseEnd(phase), openaiStates, stateAt),
  );

  const openaiArrivals = data.arrivals.openai
    .map((arrival) => ({ ...arrival, offset: arrival.at - data.t0 }))
    .filter((a) => a.offset >= 0 && a.offset < data.endMs);
  let withinOneSecond = 0;
  let later = 0;
  let whileProbing = 0;
  for (const arrival of openaiArrivals) {
    const interval = stateAt(arrival.offset);
    if (interval?.state === 'tripped') {
      if (arrival.offset - interval.fromMs <= 1000) withinOneSecond++;
      else later++;
    } else if (interval?.state === 'probing') whileProbing++;
  }

  const phaseOf = (id: PhaseId): Phase => data.scenario.phases.find((phase) => phase.id === id)!;
  const trip = (phase: Phase): TripFigures => {
    const stateAtStart = stateAt(phase.startMs)?.state ?? 'healthy';
    const tripped = openaiStates.find(
      (interval) =>
        interval.state === 'tripped' && interval.fromMs >= phase.startMs && interval.fromMs < phaseEnd(phase),
    );
    const tripAfterMs = stateAtStart === 'healthy' && tripped ? tripped.fromMs - phase.startMs : null;
    const tripAt = tripAfterMs === null ? phaseEnd(phase) : tripped!.fromMs;
    const failedBeforeTrip = openaiArrivals.filter(
      (a) => a.fault !== null && a.offset >= phase.startMs && a.offset < tripAt,
    ).length;
    let allInstancesAfterMs: number | null = null;
    if (tripAfterMs !== null) {
      let latest = 0;
      for (let instance = 0; instance < data.instances; instance++) {
        const seen = data.admin.find(
          (s) =>
            s.instance === instance && s.at - data.t0 >= tripped!.fromMs && s.state !== null && s.state !== 'healthy',
        );
        if (!seen) {
          latest = Number.NaN;
          break;
        }
        latest = Math.max(latest, seen.at - data.t0);
      }
      allInstancesAfterMs = Number.isNaN(latest) ? null : latest - phase.startMs;
    }
    return {
      stateAtStart,
      tripAfterMs,
      reason: tripAfterMs === null ? null : tripped!.reason,
      allInstancesAfterMs,
      failedBeforeTrip,
    };
  };
  const healthyAfter = (phase: Phase): { stateAtStart: string; healthyAfterMs: number | null } => {
    const stateAtStart = stateAt(phase.startMs)?.state ?? 'healthy';
    if (stateAtStart === 'healthy') return { stateAtStart, healthyAfterMs: 0 };
    const healthy = openaiStates.find(
      (interval) =>
        interval.state === 'healthy' && interval.fromMs >= phase.startMs && interval.fromMs < phaseEnd(phase),
    );
    return { stateAtStart, healthyAfterMs: healthy ? healthy.fromMs - phase.startMs : null };
  };

  const partial = phaseOf('partial_failure');
  const partialSummary = phases.find((summary) => summary.id === 'partial_failure')!;
  const recovered = phaseOf('recovered');
  const totals = phases.reduce(
    (sum, phase) => ({
      requests: sum.requests + phase.clientRequests,
      errors: sum.errors + phase.clientErrors,
      upstream: sum.upstream + PROVIDERS.reduce((n, p) => n + phase.upstream[p], 0),
    }),
    { requests: 0, errors: 0, upstream: 0 },
  );
  const withAttempts = data.results.filter(
    (result) => result.attempts !== null && inRun(result.sentAt - data.t0, data.endMs),
  );

  return {
    rows,
    phases,
    openaiStates,
    headline: {
      clientRequests: totals.requests,
      clientErrors: totals.errors,
      hardFailure: trip(phaseOf('hard_failure')),
      rateLimitStorm: trip(phaseOf('rate_limit_storm')),
      partialFailure: {
        ...healthyAfter(partial),
        trips: partialSummary.trips,
        probeFailures: partialSummary.probeFailures,
      },
      recovery: { ...healthyAfter(recovered), trafficBackAfterS: trafficBack(rows, recovered) },
      sentWhileTripped: { total: withinOneSecond + later, withinOneSecond, later },
      sentWhileProbing: whileProbing,
      amplification: totals.requests ? totals.upstream / totals.requests : null,
      attemptsPerRequest: withAttempts.length
        ? withAttempts.reduce((n, r) => n + (r.attempts ?? 0), 0) / withAttempts.length
        : null,
      missedTransitions,
    },
  };
}

function inRun(offsetMs: number, endMs: number): boolean {
  return offsetMs >= 0 && offsetMs < endMs;
}

/** Distinct states of one provider over the run (probe progress, which keeps the state, is folded in). */
export function stateIntervals(changes: readonly SharedChange[], t0: number, endMs: number): StateInterval[] {
  const ordered = [...changes].sort((a, b) => a.version - b.version);
  const intervals: StateInterval[] = [
    { state: 'healthy', reason: null, cooldownMs: null, fromMs: Number.NEGATIVE_INFINITY, toMs: endMs },
  ];
  for (const change of ordered) {
    const current = intervals[intervals.length - 1]!;
    const fromMs = change.since - t0;
    // Probe progress bumps the version but keeps the state and its start.
    if (current.state === change.state && current.fromMs === fromMs) continue;
    current.toMs = fromMs;
    intervals.push({ state: change.state, reason: change.reason, cooldownMs: change.cooldownMs, fromMs, toMs: endMs });
  }
  return intervals.filter((interval) => interval.toMs > Math.max(interval.fromMs, 0) || interval.fromMs >= 0);
}

function emptyCounts(): Counts {
  return { openai: 0, anthropic: 0, gemini: 0 };
}

function isProvider(name: string | null): name is ProviderName {
  return name === 'openai' || name === 'anthropic' || name === 'gemini';
}

function secondRows(data: RunData, stateAt: (offsetMs: number) => StateInterval | undefined): SecondRow[] {
  const seconds = Math.ceil(data.endMs / 1000);
  const rows: SecondRow[] = [];
  const latencies: number[][] = [];
  for (let t = 0; t < seconds; t++) {
    const phase = phaseAt(data.scenario, t * 1000);
    rows.push({
      t,
      phase: phase.id,
      sent: 0,
      served: emptyCounts(),
      clientErrors: 0,
      attempts: 0,
      upstream: emptyCounts(),
      openaiFailed: 0,
      openaiState: stateAt(Math.min((t + 1) * 1000, data.endMs) - 1)?.state ?? 'healthy',
      evaluatedErrorRate: null,
      evaluatedWhileHealthy: null,
      adminErrorRate: null,
      latencyP50: null,
      latencyP99: null,
      addedP50: null,
      addedP99: null,
    });
    latencies.push([]);
  }
  const rowAt = (offsetMs: number): number => Math.floor(offsetMs / 1000);
  for (const result of data.results) {
    const offset = result.sentAt - data.t0;
    if (!inRun(offset, data.endMs)) continue;
    const index = rowAt(offset);
    const row = rows[index];
    if (!row) continue;
    row.sent++;
    if (result.status === 200 && isProvider(result.provider)) row.served[result.provider]++;
    else row.clientErrors++;
    row.attempts += result.attempts ?? 0;
    latencies[index]!.push(result.latencyMs);
  }
  for (const provider of PROVIDERS) {
    for (const arrival of data.arrivals[provider]) {
      const offset = arrival.at - data.t0;
      if (!inRun(offset, data.endMs)) continue;
      const row = rows[rowAt(offset)];
      if (!row) continue;
      row.upstream[provider]++;
      if (provider === 'openai' && arrival.fault !== null) row.openaiFailed++;
    }
  }
  for (const sample of data.admin) {
    const offset = sample.at - data.t0;
    if (!inRun(offset, data.endMs) || sample.errorRate === null) continue;
    const row = rows[rowAt(offset)];
    if (row) row.adminErrorRate = Math.max(row.adminErrorRate ?? 0, sample.errorRate);
  }
  for (const sample of data.windows) {
    const offset = sample.at - data.t0;
    if (!inRun(offset, data.endMs) || sample.requests < data.errorRateThreshold.minSamples) continue;
    const row = rows[rowAt(offset)];
    if (!row) continue;
    const rate = sample.errors / sample.requests;
    row.evaluatedErrorRate = Math.max(row.evaluatedErrorRate ?? 0, rate);
    if ((stateAt(offset)?.state ?? 'healthy') === 'healthy')
      row.evaluatedWhileHealthy = Math.max(row.evaluatedWhileHealthy ?? 0, rate);
  }
  rows.forEach((row, index) => {
    const stats = latencyStats(latencies[index]!);
    row.latencyP50 = stats.p50;
    row.latencyP99 = stats.p99;
    const base = data.baseline.p50 ?? 0;
    row.addedP50 = stats.p50 === null ? null : stats.p50 - base;
    row.addedP99 = stats.p99 === null ? null : stats.p99 - base;
  });
  return rows;
}

function summarizePhase(
  data: RunData,
  phase: Phase,
  endMs: number,
  states: readonly StateInterval[],
  stateAt: (offsetMs: number) => StateInterval | undefined,
): PhaseSummary {
  const within = (offset: number) => offset >= phase.startMs && offset < endMs;
  const results = data.results.filter((result) => within(result.sentAt - data.t0));
  const served = emptyCounts();
  const errorsByStatus: Record<string, number> = {};
  let clientErrors = 0;
  let attempts = 0;
  let withAttempts = 0;
  let openaiRetries = 0;
  const reasons: Record<string, number> = {};
  for (const result of results) {
    const codes = result.fallbackReason
      ? result.fallbackReason
          .split(',')
          .map((code) => code.trim())
          .filter(Boolean)
      : [];
    for (const code of codes) reasons[code] = (reasons[code] ?? 0) + 1;
    const openaiAttempts =
      codes.filter((code) => code.startsWith('openai:') && isAttemptCode(code)).length +
      (result.provider === 'openai' && result.status === 200 ? 1 : 0);
    openaiRetries += Math.max(0, openaiAttempts - 1);
    if (result.status === 200 && isProvider(result.provider)) served[result.provider]++;
    else {
      clientErrors++;
      const key = result.status === 0 ? (result.error ?? 'no response') : String(result.status);
      errorsByStatus[key] = (errorsByStatus[key] ?? 0) + 1;
    }
    if (result.attempts !== null) {
      attempts += result.attempts;
      withAttempts++;
    }
  }
  const upstream = emptyCounts();
  let openaiFailed = 0;
  let openaiWhileTripped = 0;
  let openaiWhileProbing = 0;
  for (const provider of PROVIDERS) {
    for (const arrival of data.arrivals[provider]) {
      const offset = arrival.at - data.t0;
      if (!within(offset)) continue;
      upstream[provider]++;
      if (provider !== 'openai') continue;
      if (arrival.fault !== null) openaiFailed++;
      const state = stateAt(offset)?.state;
      if (state === 'tripped') openaiWhileTripped++;
      if (state === 'probing') openaiWhileProbing++;
    }
  }
  const latency = latencyStats(results.map((result) => result.latencyMs));
  const base = data.baseline.p50 ?? 0;
  const starting = states.filter((interval) => within(interval.fromMs));
  const upstreamTotal = PROVIDERS.reduce((n, p) => n + upstream[p], 0);
  return {
    id: phase.id,
    label: phase.label,
    fromS: phase.startMs / 1000,
    toS: endMs / 1000,
    clientRequests: results.length,
    clientErrors,
    errorsByStatus,
    served,
    upstream,
    openaiFailed,
    openaiWhileTripped,
    openaiWhileProbing,
    amplification: results.length ? upstreamTotal / results.length : null,
    attemptsPerRequest: withAttempts ? attempts / withAttempts : null,
    latency,
    addedP50: latency.p50 === null ? null : latency.p50 - base,
    addedP99: latency.p99 === null ? null : latency.p99 - base,
    trips: starting.filter((interval) => interval.state === 'tripped').length,
    probeFailures: starting.filter((interval) => interval.state === 'tripped' && interval.reason === 'probe_failed')
      .length,
    recoveries: starting.filter((interval) => interval.state === 'healthy').length,
    openaiRetries,
    reasons,
  };
}

/** Fallback-reason codes that name a decision rather than a failed attempt (README, "Response headers"). */
const DECISION_CODES = ['skip_wait', 'wait_exceeds_deadline', 'retry_budget', 'no_usable_key'];

function isAttemptCode(code: string): boolean {
  const detail = code.slice(code.indexOf(':') + 1);
  return (
    !DECISION_CODES.includes(detail) && !detail.startsWith('unsupported_') && !code.startsWith('context_fallback:')
  );
}

/** First second (from the start of the phase) after which OpenAI served ≥ 95 % of requests for 5 s running. */
function trafficBack(rows: readonly SecondRow[], phase: Phase): number | null {
  const first = Math.ceil(phase.startMs / 1000);
  const share = (row: SecondRow | undefined) => (row && row.sent > 0 ? row.served.openai / row.sent : 0);
  for (let t = first; t + 4 < rows.length; t++) {
    let all = true;
    for (let k = 0; k < 5; k++) if (share(rows[t + k]) < 0.95) all = false;
    if (all) return t - first;
  }
  return null;
}

export function latencyStats(values: readonly number[]): LatencyStats {
  if (values.length === 0) return { n: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => nearestRank(sorted, q)!;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1]! };
}
