/**
 * Health inside the Durable Object: the SQLite store every isolate syncs with, and the authority that
 * decides transitions on its data (health-authority.ts) — on every batch, and on the object's alarm for
 * time-driven transitions (a tripped provider's cool-down ending, a window filling with failures from
 * isolates that have since gone quiet) when no isolate is running.
 */

import { createSqlHealthStore, type SqlLike } from './durable-sql-store.ts';
import type { HealthObjectRpc } from './durable-store.ts';
import { createHealthAuthority } from './health-authority.ts';
import type { HealthMonitorOptions } from './monitor-options.ts';

export interface HealthObject extends HealthObjectRpc {
  /** Runs the due evaluation; returns when the alarm should fire next, or undefined when nothing is left to do. */
  alarm(now: number): Promise<number | undefined>;
  /** Whether a call just now should make sure an alarm is set. */
  wantsAlarm(): boolean;
}

/** How often the object re-evaluates while it has window data or a provider out of service. */
export const HEALTH_ALARM_MS = 1000;

export function createHealthObject(sql: SqlLike, options: Omit<HealthMonitorOptions, 'store'>): HealthObject {
  const store = createSqlHealthStore(sql);
  const authority = createHealthAuthority(store, options);
  return {
    healthSync: (request) => authority.sync(request),
    healthCompareAndSet: (expectedVersion, next) => store.compareAndSet(expectedVersion, next),
    healthResetWindows: (provider) => store.resetWindows(provider),
    healthClaim: (key, ttlMs, now) => store.claim(key, ttlMs, now),
    wantsAlarm: () => store.hasActivity(),
    async alarm(now: number): Promise<number | undefined> {
      await authority.evaluate();
      return store.hasActivity() ? now + HEALTH_ALARM_MS : undefined;
    },
  };
}
