import { type Clock, systemClock } from '../../src/clock.ts';
import {
  type BackgroundHealthMonitor,
  createHealthMonitor,
  type HealthMonitorOptions,
} from '../../src/health/health-monitor.ts';
import type { Logger } from '../../src/telemetry/logger.ts';
import { createMemoryLogger } from '../support/memory-logger.ts';

/**
 * The embedded (memory) health monitor as the gateway uses it by default. With the real clock its background
 * cycle runs on timers; with a ManualClock tests drive it with `tick()`.
 */
export function createTestHealth(
  clock: Clock = systemClock,
  logger: Logger = createMemoryLogger(),
  extra: HealthMonitorOptions = {},
): BackgroundHealthMonitor {
  return createHealthMonitor({
    ...extra,
    clock,
    logger,
    backgroundTimers: clock === systemClock,
    flushIntervalMs: 50,
    refreshIntervalMs: 100,
  });
}
