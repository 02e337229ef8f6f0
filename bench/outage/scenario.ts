/**
 * The scripted incident of the outage benchmark: what OpenAI does in each phase, the steady load, and the
 * health timings the gateways run with. The full run keeps every health default, so its figures are what
 * an operator gets out of the box; the quick run shortens the probe timings so a whole incident fits in a
 * minute, and says so.
 */
import type { HealthFileSettings } from '../../src/config/schema.ts';

export type OpenAIBehaviour =
  | { kind: 'healthy' }
  /** A 500 in OpenAI's envelope on this share of requests (1 = every request). */
  | { kind: 'server_error'; share: number }
  /** A 429 `rate_limit_exceeded` with `retry-after` on this share of requests. */
  | { kind: 'rate_limited'; share: number; retryAfterSeconds: number };

export type PhaseId = 'healthy' | 'hard_failure' | 'partial_failure' | 'rate_limit_storm' | 'recovered';

export interface Phase {
  id: PhaseId;
  /** What OpenAI does, for tables. */
  label: string;
  /** The same, short enough for the chart's phase bands. */
  short: string;
  /** Offset of the phase from the start of the incident, ms. */
  startMs: number;
  /** Planned length, ms; the last phase may run longer (see `Scenario.settle`). */
  durationMs: number;
  openai: OpenAIBehaviour;
}

export interface Scenario {
  mode: 'quick' | 'full';
  /** Client requests per second, alternating between the two instances. */
  ratePerSecond: number;
  phases: Phase[];
  /**
   * The last phase (OpenAI recovered) lasts at least its `durationMs`, then ends once OpenAI has been healthy
   * for `healthyForMs`, or at `maxMs` at the latest: long enough to show the recovery, and bounded.
   */
  settle: { healthyForMs: number; maxMs: number };
  /** A client request that takes longer than this is abandoned and counted as a client-visible error. */
  clientTimeoutMs: number;
  /** Direct requests to the OpenAI mock before the incident, for the added-latency baseline. */
  baselineMs: number;
  /** The `health:` section of the gateways' config file; undefined = every default. */
  health: HealthFileSettings | undefined;
  /** Human-readable list of the health timings changed from their defaults. */
  shortened: string[];
  /** Seed of the generator that picks which requests fail in the partial-failure phase. */
  seed: number;
  /** The whole run (start-up, incident, clean-up) is aborted after this, ms. */
  runDeadlineMs: number;
}

interface PhasePlan {
  id: PhaseId;
  label: string;
  short: string;
  seconds: number;
  openai: OpenAIBehaviour;
}

function layout(plans: PhasePlan[]): Phase[] {
  let startMs = 0;
  return plans.map((plan) => {
    const phase: Phase = {
      id: plan.id,
      label: plan.label,
      short: plan.short,
      startMs,
      durationMs: plan.seconds * 1000,
      openai: plan.openai,
    };
    startMs += phase.durationMs;
    return phase;
  });
}

function plans(seconds: Record<PhaseId, number>, retryAfterSeconds: number): PhasePlan[] {
  return [
    { id: 'healthy', label: 'OpenAI healthy', short: 'healthy', seconds: seconds.healthy, openai: { kind: 'healthy' } },
    {
      id: 'hard_failure',
      label: 'OpenAI 500 on every request',
      short: '500 on every request',
      seconds: seconds.hard_failure,
      openai: { kind: 'server_error', share: 1 },
    },
    {
      id: 'partial_failure',
      label: 'OpenAI 500 on 3 % of requests',
      short: '500 on 3 % of requests',
      seconds: seconds.partial_failure,
      openai: { kind: 'server_error', share: 0.03 },
    },
    {
      id: 'rate_limit_storm',
      label: `OpenAI 429 on every request, Retry-After ${retryAfterSeconds} s`,
      short: `429 storm, Retry-After ${retryAfterSeconds} s`,
      seconds: seconds.rate_limit_storm,
      openai: { kind: 'rate_limited', share: 1, retryAfterSeconds },
    },
    {
      id: 'recovered',
      label: 'OpenAI recovered',
      short: 'recovered (healed)',
      seconds: seconds.recovered,
      openai: { kind: 'healthy' },
    },
  ];
}

export function buildScenario(options: { quick: boolean; ratePerSecond?: number; seed?: number }): Scenario {
  const seed = options.seed ?? 20261124;
  if (options.quick) {
    return {
      mode: 'quick',
      ratePerSecond: options.ratePerSecond ?? 30,
      phases: layout(
        plans({ healthy: 8, hard_failure: 12, partial_failure: 14, rate_limit_storm: 10, recovered: 16 }, 5),
      ),
      settle: { healthyForMs: 5_000, maxMs: 30_000 },
      clientTimeoutMs: 30_000,
      baselineMs: 2_000,
      health: { probe: { cooldownMs: 5_000, minProbeMs: 5_000, maxCooldownMs: 20_000 } },
      shortened: ['probe.cooldownMs 30 s → 5 s', 'probe.minProbeMs 15 s → 5 s', 'probe.maxCooldownMs 45 s → 20 s'],
      seed,
      runDeadlineMs: 4 * 60_000,
    };
  }
  return {
    mode: 'full',
    ratePerSecond: options.ratePerSecond ?? 30,
    phases: layout(
      plans({ healthy: 30, hard_failure: 60, partial_failure: 120, rate_limit_storm: 60, recovered: 120 }, 20),
    ),
    settle: { healthyForMs: 30_000, maxMs: 270_000 },
    clientTimeoutMs: 30_000,
    baselineMs: 3_000,
    health: undefined,
    shortened: [],
    seed,
    runDeadlineMs: 14 * 60_000,
  };
}

/** The phase in force `offsetMs` after the start of the incident (the last one once past the plan). */
export function phaseAt(scenario: Scenario, offsetMs: number): Phase {
  let current = scenario.phases[0]!;
  for (const phase of scenario.phases) if (offsetMs >= phase.startMs) current = phase;
  return current;
}

export function lastPhase(scenario: Scenario): Phase {
  return scenario.phases[scenario.phases.length - 1]!;
}

/** Mulberry32: a small seeded generator, so the partial-failure pattern is the same run after run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
