/**
 * Where a fleet's shared budgets live. One call per sync carries every order of the instance and its
 * heartbeat (one round trip, atomic on Redis); nothing on the request path awaits it. Implementations:
 * memory (in-process: gateways sharing one process, and the reference the Redis Lua is tested against) and
 * Redis. Without a store the gateway keeps its budgets locally (LocalRate): the memory case of one instance.
 */
import type { LeaseAnswer, LeaseOrder } from './lease-grant.ts';

export interface BudgetSyncRequest {
  /** This instance's id (random per process), for the count of live instances. */
  instance: string;
  now: number;
  /** An instance not heard from for this long no longer counts as live. */
  instanceTtlMs: number;
  orders: readonly LeaseOrder[];
}

export interface BudgetSyncResult {
  /** One answer per order, in order. */
  answers: LeaseAnswer[];
  /** Live instances sharing the store, this one included. */
  instances: number;
}

export interface BudgetStore {
  readonly kind: 'memory' | 'redis';
  sync(request: BudgetSyncRequest): Promise<BudgetSyncResult>;
  close(): Promise<void>;
}
