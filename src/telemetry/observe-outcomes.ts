/**
 * Taps the Outcome routing reports to health: the same object goes to the telemetry sink, so metrics count
 * exactly what health counts and routing needs no telemetry calls of its own.
 */
import type { HealthMonitor } from '../health/types.ts';
import type { TelemetrySink } from './telemetry-sink.ts';

export function observeOutcomes(health: HealthMonitor, sink: TelemetrySink): HealthMonitor {
  return {
    record(outcome) {
      health.record(outcome);
      sink.attempt(outcome);
    },
    get: (provider) => health.get(provider),
    admitProbe: (provider) => health.admitProbe(provider),
    all: () => health.all(),
    drain: (provider) => health.drain(provider),
    restore: (provider) => health.restore(provider),
    storeStatus: () => health.storeStatus(),
    close: () => health.close(),
  };
}
