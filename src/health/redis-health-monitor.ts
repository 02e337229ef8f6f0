/**
 * The Node entry's way to build a monitor from configuration: memory, or Redis shared by every instance.
 * Kept apart from the core factory (which takes a HealthStore) so a Worker bundle never pulls in ioredis.
 */
import { type BackgroundHealthMonitor, createHealthMonitor, type HealthMonitorOptions } from './health-monitor.ts';
import { createMemoryHealthStore } from './memory-store.ts';
import { createRedisHealthStore, type RedisConnection } from './redis-store.ts';

export type HealthStoreConfig =
  | { store: 'memory' }
  | { store: 'redis'; redis: RedisConnection; prefix?: string; commandTimeoutMs?: number };

export function createConfiguredHealthMonitor(
  config: HealthStoreConfig,
  options: Omit<HealthMonitorOptions, 'store'> = {},
): BackgroundHealthMonitor {
  const store =
    config.store === 'memory'
      ? createMemoryHealthStore()
      : createRedisHealthStore({
          redis: config.redis,
          ...(config.prefix !== undefined ? { prefix: config.prefix } : {}),
          ...(config.commandTimeoutMs !== undefined ? { commandTimeoutMs: config.commandTimeoutMs } : {}),
        });
  return createHealthMonitor({ ...options, store });
}
