/**
 * Health, runtime-neutral part: everything except the Redis store (import `./redis-store.ts` or
 * `./redis-health-monitor.ts` from the Node entry only).
 */

export {
  type AlertEvent,
  type FetchLike,
  type HealthAlert,
  type HealthLogEntry,
  type HealthLogger,
  jsonConsoleLogger,
} from './alerts.ts';
export { classifyOutcome, type OutcomeClass, type OutcomeSignals } from './classify-outcome.ts';
export { decideTransition, type ProbeTally, type Transition, type TransitionEvent } from './decide-transition.ts';
export { type Crossing, evaluateSignals, type SignalName } from './evaluate-signals.ts';
export { type BackgroundHealthMonitor, createHealthMonitor, type HealthMonitorOptions } from './health-monitor.ts';
export {
  DEFAULT_PROBE,
  DEFAULT_THRESHOLDS,
  DEFAULT_WINDOWS,
  type ErrorRateThreshold,
  type FastTripThreshold,
  type HealthThresholds,
  type LatencyThreshold,
  type ProbeOptions,
  type RateThreshold,
  resolveProbe,
  resolveThresholds,
  resolveWindows,
  type SustainedRateThreshold,
  type ThresholdOverrides,
  type WindowName,
  type WindowOptions,
} from './health-options.ts';
export type { HealthRecord, TripTrigger } from './health-record.ts';
export {
  type HealthReport,
  type HealthReportInput,
  healthReport,
  type ModelReport,
  type ProviderReport,
  type WindowReport,
} from './health-report.ts';
export type { CompareAndSetResult, HealthStore, SyncRequest, SyncResult } from './health-store.ts';
export { LATENCY_BOUNDS_MS, latencyBucket, percentileFromBuckets } from './latency-buckets.ts';
export { createMemoryHealthStore, type MemoryHealthStore } from './memory-store.ts';
export type { HealthMonitor, HealthState, HealthView, Outcome, ProviderHealth } from './types.ts';
