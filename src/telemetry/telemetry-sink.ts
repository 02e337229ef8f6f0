/**
 * What the gateway tells its telemetry: one event per attempt (the Outcome routing reports to health, seen
 * through `observeOutcomes`) and one per request (where the request log line is written). Metrics, the dashboard and
 * traces are sinks; the core only calls these two methods, so it stays runtime-neutral and pays nothing
 * when no sink is wired.
 */

import type { HealthAlert } from '../health/health-alert.ts';
import type { Outcome } from '../health/types.ts';

/** Every attempt's Outcome, exactly as health gets it. */
export type AttemptEvent = Outcome;

/**
 * One attempt of a request as the request event carries it (routing's AttemptRecord). The sequence says
 * what routing decided: the same key again is a retry, another key of the same provider a key switch,
 * another provider a failover (from, to, and the failed attempt's reason).
 */
export interface RequestAttempt {
  provider: string;
  key: string;
  ok: boolean;
  reason?: string;
  ms: number;
}

export interface RequestEvent {
  /** The model (or route name) the client asked for, unbounded: sinks must bound it before using it as a label. */
  model: string;
  stream: boolean;
  status: number;
  /** Serving provider and upstream model, when one served. */
  provider?: string;
  servedModel?: string;
  attempts: readonly RequestAttempt[];
  fallbackReasons: readonly string[];
  /** Gateway error code when the request failed. */
  code?: string;
  /** Handler start to the end of the answer (for streams: the end of the stream), ms. */
  durationMs: number;
  /** Handler start to the first byte/token the client could get, ms. */
  firstByteMs?: number;
  /** Time to the commit point not spent inside upstream attempts (parsing, planning, backoff waits), ms. */
  overheadMs?: number;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/** What the response cache did for one request it looked at (its `x-switchyard-cache` header). */
export interface CacheEvent {
  result: 'hit' | 'miss' | 'bypass';
}

export interface TelemetrySink {
  attempt(event: AttemptEvent): void;
  request(event: RequestEvent): void;
  /** One per request the response cache decided on (none while the cache is off for it). */
  cache?(event: CacheEvent): void;
  /** Health alerts as the alerter delivers them (transitions, thresholds crossed). */
  alert?(alert: HealthAlert): void;
}

/** Several sinks as one; a sink that throws never breaks a request or the others. */
export function combineSinks(sinks: readonly TelemetrySink[]): TelemetrySink | undefined {
  if (sinks.length === 0) return undefined;
  if (sinks.length === 1) return guarded(sinks[0]!);
  return {
    attempt(event) {
      for (const sink of sinks) safely(() => sink.attempt(event));
    },
    request(event) {
      for (const sink of sinks) safely(() => sink.request(event));
    },
    cache(event) {
      for (const sink of sinks) safely(() => sink.cache?.(event));
    },
    alert(alert) {
      for (const sink of sinks) safely(() => sink.alert?.(alert));
    },
  };
}

function guarded(sink: TelemetrySink): TelemetrySink {
  return {
    attempt: (event) => safely(() => sink.attempt(event)),
    request: (event) => safely(() => sink.request(event)),
    cache: (event) => safely(() => sink.cache?.(event)),
    alert: (alert) => safely(() => sink.alert?.(alert)),
  };
}

function safely(work: () => void): void {
  try {
    work();
  } catch {
    // Telemetry is never worth a failed request.
  }
}
