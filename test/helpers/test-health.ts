import { type Clock, systemClock } from '../../src/clock.ts';
import type { HealthLogEntry } from '../../src/health/alerts.ts';
import {
  type BackgroundHealthMonitor,
  createHealthMonitor,
  type HealthMonitorOptions,
} from '../../src/health/health-monitor.ts';

/**
 * The embedded (memory) health monitor as the gateway uses it by default. With the real clock its background
 * cycle runs on timers; with a ManualClock tests drive it with `tick()`.
 */
export function createTestHealth(
  clock: Clock = systemClock,
  logs: HealthLogEntry[] = [],
  extra: HealthMonitorOptions = {},
): BackgroundHealthMonitor {
  return createHealthMonitor({
    ...extra,
    clock,
    logger: (entry) => logs.push(entry),
    backgroundTimers: clock === systemClock,
    flushIntervalMs: 50,
    refreshIntervalMs: 100,
  });
}
