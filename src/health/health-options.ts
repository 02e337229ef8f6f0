/**
 * Every tunable of the health policy, with defaults taken from field practice (circuit breakers in Envoy,
 * Hystrix-style gateways, and the usual SRE alert rules for error rate, 5xx and tail latency).
 *
 * Each signal has its own window and minimum sample size: a rate computed from two requests is noise, and a
 * P99 needs about a hundred samples before it is more than "the slowest request".
 */

export type WindowName = 'short' | 'long';

export interface RateThreshold {
  enabled: boolean;
  /** Trips when the rate is strictly above this (0..1). */
  above: number;
  window: WindowName;
  /** Requests needed in the window before the rate is trusted. */
  minSamples: number;
}

export interface SustainedRateThreshold extends RateThreshold {
  /**
   * The window must actually hold traffic this old (ms) before the rate counts: "5xx above 2 % sustained for
   * five minutes" must not fire on a gateway that started 30 s ago into a blip.
   */
  sustainedMs: number;
}

export interface LatencyThreshold {
  enabled: boolean;
  /** Trips when P99 latency is strictly above this, ms. */
  aboveMs: number;
  window: WindowName;
  minSamples: number;
}

export interface FastTripThreshold {
  enabled: boolean;
  /** This many provider-fault failures in a row on one instance trip at once (0 disables this rule). */
  consecutiveFailures: number;
  /** Or more than this share of the short window failing... */
  failureRate: number;
  /** ...once the short window holds at least this many requests. */
  minSamples: number;
}

export interface ErrorRateThreshold extends RateThreshold {
  /**
   * Whether 429s count as errors here too (default true: a provider that throttles us is failing us). With
   * true, a 429 rate above `errorRate.above` already trips as `error_rate` before `rateLimitRate` (10 %)
   * is reached; set false to let 429s trip only through their own, more tolerant threshold.
   */
  includeRateLimits: boolean;
}

export interface HealthThresholds {
  /** Provider-fault failures / requests. */
  errorRate: ErrorRateThreshold;
  /** 429s / requests. */
  rateLimitRate: RateThreshold;
  /** 5xx (incl. 529, and status-less overloaded/server failures) / requests, sustained. */
  serverErrorRate: SustainedRateThreshold;
  /** Attempts on which the gateway gave up on this provider / requests. */
  retryExhaustionRate: RateThreshold;
  p99Latency: LatencyThreshold;
  /** Hard outages: trip within seconds instead of waiting for rates to build up. */
  fastTrip: FastTripThreshold;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  errorRate: { enabled: true, above: 0.05, window: 'short', minSamples: 20, includeRateLimits: true },
  rateLimitRate: { enabled: true, above: 0.1, window: 'short', minSamples: 20 },
  serverErrorRate: { enabled: true, above: 0.02, window: 'long', minSamples: 50, sustainedMs: 270_000 },
  retryExhaustionRate: { enabled: true, above: 0.01, window: 'long', minSamples: 100 },
  p99Latency: { enabled: true, aboveMs: 30_000, window: 'long', minSamples: 100 },
  fastTrip: { enabled: true, consecutiveFailures: 5, failureRate: 0.5, minSamples: 10 },
};

/** Partial overrides, merged signal by signal over the defaults. */
export type ThresholdOverrides = { [K in keyof HealthThresholds]?: Partial<HealthThresholds[K]> };

export interface WindowOptions {
  /** Width of one time slot, ms. Slots are aligned to the epoch so every instance agrees on them. */
  slotMs: number;
  /** The short window, ms (a multiple of slotMs). */
  shortMs: number;
  /** The long window, ms (a multiple of slotMs). */
  longMs: number;
}

export const DEFAULT_WINDOWS: WindowOptions = { slotMs: 10_000, shortMs: 60_000, longMs: 300_000 };

export interface ProbeOptions {
  /** Share of requests admitted as probes to a provider in `probing` (0..1). */
  share: number;
  /** Time a tripped provider rests before probing starts, ms. */
  cooldownMs: number;
  /** The cool-down is multiplied by this after every failed probe (1 = constant)... */
  cooldownGrowth: number;
  /** ...up to this, ms. */
  maxCooldownMs: number;
  /** Probe successes needed to return to healthy (with the failure share at or below `maxProbeErrorRate`). */
  successesToRecover: number;
  /** And at least this long in probing, ms: a burst of five quick successes is not "sustained". */
  minProbeMs: number;
  /**
   * This many failed probes in a row re-trip at once: a provider that is still down fails every probe, while
   * one at a 2 % background error rate fails two in a row once in 2,500 pairs.
   */
  retripAfterFailures: number;
  /** Or the probes' failure share above this (0..1), once `probeErrorRateMinProbes` probes were made... */
  maxProbeErrorRate: number;
  /** ...and recovery waits until the share is at or below it. */
  probeErrorRateMinProbes: number;
}

/**
 * Why these: probes are cheap (5 % of traffic, each protected by failover), so a tripped provider can be
 * asked again soon; the cool-down grows only to 45 s so that a provider healed during a long incident is
 * back within about a minute (45 s + 15 s of probing), not after a five-minute cool-down it earned earlier.
 */
export const DEFAULT_PROBE: ProbeOptions = {
  share: 0.05,
  cooldownMs: 30_000,
  cooldownGrowth: 2,
  maxCooldownMs: 45_000,
  successesToRecover: 5,
  minProbeMs: 15_000,
  retripAfterFailures: 2,
  maxProbeErrorRate: 0.05,
  probeErrorRateMinProbes: 20,
};

export function resolveThresholds(overrides: ThresholdOverrides = {}): HealthThresholds {
  const t: HealthThresholds = {
    errorRate: { ...DEFAULT_THRESHOLDS.errorRate, ...overrides.errorRate },
    rateLimitRate: { ...DEFAULT_THRESHOLDS.rateLimitRate, ...overrides.rateLimitRate },
    serverErrorRate: { ...DEFAULT_THRESHOLDS.serverErrorRate, ...overrides.serverErrorRate },
    retryExhaustionRate: { ...DEFAULT_THRESHOLDS.retryExhaustionRate, ...overrides.retryExhaustionRate },
    p99Latency: { ...DEFAULT_THRESHOLDS.p99Latency, ...overrides.p99Latency },
    fastTrip: { ...DEFAULT_THRESHOLDS.fastTrip, ...overrides.fastTrip },
  };
  for (const name of ['errorRate', 'rateLimitRate', 'serverErrorRate', 'retryExhaustionRate'] as const) {
    const rate = t[name];
    requireRange(`thresholds.${name}.above`, rate.above, 0, 1);
    requireRange(`thresholds.${name}.minSamples`, rate.minSamples, 1, Number.MAX_SAFE_INTEGER);
    requireWindow(`thresholds.${name}.window`, rate.window);
  }
  requireRange('thresholds.serverErrorRate.sustainedMs', t.serverErrorRate.sustainedMs, 0, Number.MAX_SAFE_INTEGER);
  requireRange('thresholds.p99Latency.aboveMs', t.p99Latency.aboveMs, 0, Number.MAX_SAFE_INTEGER);
  requireRange('thresholds.p99Latency.minSamples', t.p99Latency.minSamples, 1, Number.MAX_SAFE_INTEGER);
  requireWindow('thresholds.p99Latency.window', t.p99Latency.window);
  requireRange('thresholds.fastTrip.consecutiveFailures', t.fastTrip.consecutiveFailures, 0, Number.MAX_SAFE_INTEGER);
  requireRange('thresholds.fastTrip.failureRate', t.fastTrip.failureRate, 0, 1);
  requireRange('thresholds.fastTrip.minSamples', t.fastTrip.minSamples, 1, Number.MAX_SAFE_INTEGER);
  return t;
}

export function resolveWindows(overrides: Partial<WindowOptions> = {}): WindowOptions {
  const w: WindowOptions = { ...DEFAULT_WINDOWS, ...overrides };
  requireRange('windows.slotMs', w.slotMs, 100, Number.MAX_SAFE_INTEGER);
  for (const name of ['shortMs', 'longMs'] as const) {
    if (!Number.isInteger(w[name] / w.slotMs) || w[name] < w.slotMs) {
      throw new Error(`health windows: ${name} (${w[name]}) must be a positive multiple of slotMs (${w.slotMs})`);
    }
  }
  if (w.shortMs > w.longMs) {
    throw new Error(`health windows: shortMs (${w.shortMs}) must not exceed longMs (${w.longMs})`);
  }
  return w;
}

export function resolveProbe(overrides: Partial<ProbeOptions> = {}): ProbeOptions {
  const p: ProbeOptions = { ...DEFAULT_PROBE, ...overrides };
  // A longer cool-down than the default maximum, set alone, means "at least this long".
  if (overrides.maxCooldownMs === undefined) p.maxCooldownMs = Math.max(p.maxCooldownMs, p.cooldownMs);
  requireRange('probe.share', p.share, 0, 1);
  requireRange('probe.cooldownMs', p.cooldownMs, 0, Number.MAX_SAFE_INTEGER);
  requireRange('probe.cooldownGrowth', p.cooldownGrowth, 1, 1000);
  requireRange('probe.maxCooldownMs', p.maxCooldownMs, p.cooldownMs, Number.MAX_SAFE_INTEGER);
  requireRange('probe.successesToRecover', p.successesToRecover, 1, Number.MAX_SAFE_INTEGER);
  requireRange('probe.minProbeMs', p.minProbeMs, 0, Number.MAX_SAFE_INTEGER);
  requireRange('probe.retripAfterFailures', p.retripAfterFailures, 1, Number.MAX_SAFE_INTEGER);
  requireRange('probe.maxProbeErrorRate', p.maxProbeErrorRate, 0, 1);
  requireRange('probe.probeErrorRateMinProbes', p.probeErrorRateMinProbes, 1, Number.MAX_SAFE_INTEGER);
  return p;
}

function requireRange(field: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new Error(`health options: ${field} must be a number between ${min} and ${max}, got ${String(value)}`);
  }
}

function requireWindow(field: string, value: string): void {
  if (value !== 'short' && value !== 'long') {
    throw new Error(`health options: ${field} must be 'short' or 'long', got ${String(value)}`);
  }
}
