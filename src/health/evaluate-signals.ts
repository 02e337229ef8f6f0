/**
 * Which thresholds a provider's windows cross right now. Pure: the caller decides what a crossing does.
 */
import type { HealthThresholds, RateThreshold, WindowName } from './health-options.ts';
import { percentileFromBuckets } from './latency-buckets.ts';
import type { WindowSummary } from './window-summary.ts';

export type SignalName =
  | 'fast_trip'
  | 'rate_limit_rate'
  | 'server_error_rate'
  | 'retry_exhaustion_rate'
  | 'p99_latency'
  | 'error_rate';

export interface Crossing {
  signal: SignalName;
  /** The measured value: a rate (0..1), a latency in ms, or a count of consecutive failures. */
  value: number;
  threshold: number;
  window: WindowName | 'consecutive';
  /** Requests in the window the value was computed from. */
  samples: number;
}

export interface SignalInput {
  short: WindowSummary;
  long: WindowSummary;
  /** Provider-fault failures in a row seen by this instance. */
  consecutiveFailures: number;
  now: number;
  slotMs: number;
  thresholds: HealthThresholds;
  /**
   * Fresh windows (the first short window after a recovery or restore): rates cross only when they are above
   * their threshold with 95 % confidence. A fresh window holds few requests, and 2 failures in 20 (10 %) is
   * what a provider at a 2 % background rate produces about once in sixteen tries: judged plainly, a
   * recovered provider would re-trip on noise.
   */
  fresh?: boolean;
}

/**
 * Every crossed threshold, most specific first (the first one becomes the trip reason). Because 429s and
 * 5xx are errors too, a large 429 burst crosses both `rate_limit_rate` and `error_rate`; the specific
 * signal names the cause better.
 */
export function evaluateSignals(input: SignalInput): Crossing[] {
  const { thresholds: t } = input;
  const crossings: Crossing[] = [];
  const pick = (window: WindowName) => (window === 'short' ? input.short : input.long);

  if (t.fastTrip.enabled) {
    if (t.fastTrip.consecutiveFailures > 0 && input.consecutiveFailures >= t.fastTrip.consecutiveFailures) {
      crossings.push({
        signal: 'fast_trip',
        value: input.consecutiveFailures,
        threshold: t.fastTrip.consecutiveFailures,
        window: 'consecutive',
        samples: input.consecutiveFailures,
      });
    } else {
      const { requests, errors } = input.short;
      if (requests >= t.fastTrip.minSamples && errors / requests > t.fastTrip.failureRate) {
        crossings.push({
          signal: 'fast_trip',
          value: errors / requests,
          threshold: t.fastTrip.failureRate,
          window: 'short',
          samples: requests,
        });
      }
    }
  }

  const rate = (signal: SignalName, threshold: RateThreshold, count: (w: WindowSummary) => number, extra = true) => {
    if (!threshold.enabled || !extra) return;
    const window = pick(threshold.window);
    if (window.requests < threshold.minSamples) return;
    const value = count(window) / window.requests;
    const judged = input.fresh ? wilsonLowerBound(count(window), window.requests) : value;
    if (judged > threshold.above) {
      crossings.push({ signal, value, threshold: threshold.above, window: threshold.window, samples: window.requests });
    }
  };

  rate('rate_limit_rate', t.rateLimitRate, (w) => w.rateLimited);
  const sustainedWindow = pick(t.serverErrorRate.window);
  const sustained =
    sustainedWindow.oldestSlot !== undefined &&
    sustainedWindow.oldestSlot * input.slotMs <= input.now - t.serverErrorRate.sustainedMs;
  rate('server_error_rate', t.serverErrorRate, (w) => w.serverErrors, sustained);
  rate('retry_exhaustion_rate', t.retryExhaustionRate, (w) => w.exhausted);

  if (t.p99Latency.enabled) {
    const window = pick(t.p99Latency.window);
    if (window.requests >= t.p99Latency.minSamples) {
      const p99 = percentileFromBuckets(window.latency, 0.99);
      if (p99 !== undefined && p99 > t.p99Latency.aboveMs) {
        crossings.push({
          signal: 'p99_latency',
          value: p99,
          threshold: t.p99Latency.aboveMs,
          window: t.p99Latency.window,
          samples: window.requests,
        });
      }
    }
  }

  rate('error_rate', t.errorRate, (w) =>
    t.errorRate.includeRateLimits ? w.errors : Math.max(0, w.errors - w.rateLimited),
  );
  return crossings;
}

const Z_95_ONE_SIDED = 1.645;

/** Lower bound of the Wilson score interval for `k` successes in `n` trials (one-sided 95 %). */
export function wilsonLowerBound(k: number, n: number): number {
  if (n <= 0) return 0;
  const z2 = Z_95_ONE_SIDED * Z_95_ONE_SIDED;
  const p = k / n;
  const centre = p + z2 / (2 * n);
  const margin = Z_95_ONE_SIDED * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - margin) / (1 + z2 / n));
}
