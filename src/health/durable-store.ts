/**
 * The health store on Workers, isolate side: every call is one RPC to the gateway's Durable Object, where
 * windows, records and transitions live (durable-health-object.ts). The store `decides`: the object
 * evaluates thresholds and moves states (health-authority.ts); the isolate's monitor sends outcomes and
 * their evidence in batches (one call per flush) and follows the records it reads back, so a request never
 * waits on the object and every isolate sees one state.
 *
 * The object is addressed by name through the namespace on every call instead of caching a stub: a stub
 * belongs to the request that made it, and the cycle runs on behalf of whichever request is current.
 */

import type { HealthRecord } from './health-record.ts';
import type { CompareAndSetResult, HealthStore, SyncRequest, SyncResult } from './health-store.ts';

/** What the Durable Object offers the health store over RPC (the `health*` methods of SwitchyardState). */
export interface HealthObjectRpc {
  healthSync(request: SyncRequest): Promise<SyncResult>;
  healthCompareAndSet(expectedVersion: number, next: HealthRecord): Promise<CompareAndSetResult>;
  healthResetWindows(provider: string): Promise<void>;
  healthClaim(key: string, ttlMs: number, now: number): Promise<boolean>;
}

/** The part of a DurableObjectNamespace binding the store uses. */
export interface StateNamespace<Rpc> {
  idFromName(name: string): unknown;
  get(id: never): Rpc;
}

export interface DurableHealthStoreOptions {
  namespace: StateNamespace<HealthObjectRpc>;
  /** Which object holds health: one per deployment by default, so every isolate everywhere sees one state. */
  objectName?: string;
}

export function createDurableHealthStore(options: DurableHealthStoreOptions): HealthStore {
  const name = options.objectName ?? 'health';
  const object = (): HealthObjectRpc => options.namespace.get(options.namespace.idFromName(name) as never);
  return {
    kind: 'durable',
    decides: true,
    sync: (request) => object().healthSync(request),
    compareAndSet: (expectedVersion, next) => object().healthCompareAndSet(expectedVersion, next),
    resetWindows: (provider) => object().healthResetWindows(provider),
    claim: (key, ttlMs, now) => object().healthClaim(key, ttlMs, now),
    async close(): Promise<void> {},
  };
}
