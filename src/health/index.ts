/**
 * Health, runtime-neutral part: everything except the Redis store (import `./redis-store.ts` or
 * `./redis-health-monitor.ts` from the Node entry only).
 */
export type { HealthMonitor, HealthState, HealthView, Outcome, ProviderHealth } from './types.ts';
export { createHealthMonitor, type BackgroundHealthMonitor, type HealthMonitorOptions } from './health-monitor.ts';
export { createMemoryHealthStore, type MemoryHealthStore } from './memory-store.ts';
export type { CompareAndSetResult, HealthStore, SyncRequest, SyncResult } from './health-store.ts';
export {
  DEFAULT_PROBE,
  DEFAULT_THRESHOLDS,
  DEFAULT_WINDOWS,
  resolveProbe,
  resolveThresholds,
  resolveWindows,
  type ErrorRateThreshold,
  type FastTripThreshold,
  type HealthThresholds,
  type LatencyThreshold,
  type ProbeOptions,
  type RateThreshold,
  type SustainedRateThreshold,
  type ThresholdOverrides,
  type WindowName,
  type WindowOptions,
} from './health-options.ts';
export { healthReport, type HealthReport, type HealthReportInput, type ModelReport, type ProviderReport, type WindowReport } from './health-report.ts';
export { jsonConsoleLogger, type AlertEvent, type FetchLike, type HealthAlert, type HealthLogEntry, type HealthLogger } from './alerts.ts';
export { classifyOutcome, type OutcomeClass, type OutcomeSignals } from './classify-outcome.ts';
export { evaluateSignals, type Crossing, type SignalName } from './evaluate-signals.ts';
export { decideTransition, type ProbeTally, type Transition, type TransitionEvent } from './decide-transition.ts';
export type { HealthRecord, TripTrigger } from './health-record.ts';
export { LATENCY_BOUNDS_MS, latencyBucket, percentileFromBuckets } from './latency-buckets.ts';
