/**
 * Where windows and states live. The memory store serves one process; the Redis store lets every gateway
 * instance read and write the same windows and states. The monitor never calls a store on the hot path:
 * only its background cycle, `drain`/`restore` and alert dedupe do.
 */
import type { HealthRecord } from './health-record.ts';
import type { EvidenceBatch } from './provider-evidence.ts';
import type { SeriesSlots } from './slot-counts.ts';

export interface SyncRequest {
  /** Counts to add, series id → slot → counts. Slots older than `fromSlot` are dropped. */
  batch: SeriesSlots;
  /**
   * Who sends the batch, and its sequence number (growing per writer). A store that can time out after
   * applying a batch skips one whose sequence it has already seen, so retrying an unacknowledged batch
   * never counts it twice. seq 0: nothing to deduplicate.
   */
  writer?: { id: string; seq: number };
  now: number;
  /** Oldest slot of the long window. */
  fromSlot: number;
  /** Current slot. */
  toSlot: number;
  /** How long window data is kept, ms. */
  ttlMs: number;
  /** Whether to answer with the merged windows and records (false: write only). */
  read: boolean;
  /** Include provider+model series in the answer (they only feed reports, so they are read less often). */
  readModels: boolean;
  /**
   * For a store that `decides`: what the batch adds to each provider's streak and probe tallies. Deduplicated
   * with the batch (same writer and seq). Other stores ignore it; monitors send it to no other store.
   */
  evidence?: EvidenceBatch;
}

export interface SyncResult {
  /** When `read`: every series' slots in [fromSlot, toSlot], after the batch was added. */
  series?: SeriesSlots;
  /** When `read`: every provider's record. */
  records?: Map<string, HealthRecord>;
}

export interface CompareAndSetResult {
  applied: boolean;
  /** The record now stored (the new one when applied). */
  current: HealthRecord | undefined;
}

/** Where a store keeps its data: one process, Redis, or a Cloudflare Durable Object. */
export type HealthStoreKind = 'memory' | 'redis' | 'durable';

export interface HealthStore {
  readonly kind: HealthStoreKind;
  /**
   * The store computes transitions itself, where the data is (the Durable Object): monitors send evidence
   * with their batches and adopt the records it answers with, deciding locally only while it is unreachable.
   * Unset (memory, Redis): every monitor evaluates the merged windows and moves states by compare-and-set.
   */
  readonly decides?: boolean;
  /** Adds a batch and (optionally) reads everything back, atomically and in one round trip. */
  sync(request: SyncRequest): Promise<SyncResult>;
  /**
   * Stores `next` for its provider only if the stored version is still `expectedVersion` (0: no record).
   * `next.version` must be `expectedVersion + 1`.
   */
  compareAndSet(expectedVersion: number, next: HealthRecord): Promise<CompareAndSetResult>;
  /** Deletes a provider's windows (the provider series and its provider+model series). */
  resetWindows(provider: string): Promise<void>;
  /** True for the first caller to claim `key` until it expires (alert dedupe across instances). */
  claim(key: string, ttlMs: number, now: number): Promise<boolean>;
  close(): Promise<void>;
}
