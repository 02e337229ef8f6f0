/**
 * The embedded store: one process, no I/O. Several monitors may share one instance (tests use that to act
 * as several gateway instances). Memory is bounded by the long window: older slots are pruned on every sync.
 */

import type { HealthRecord } from './health-record.ts';
import type { CompareAndSetResult, HealthStore, SyncRequest, SyncResult } from './health-store.ts';
import { isModelSeries, isSeriesOf } from './series-id.ts';
import { cloneCounts, mergeSeries, pruneSeries, type SeriesSlots, type SlotMap } from './slot-counts.ts';

export interface MemoryHealthStore extends HealthStore {
  readonly kind: 'memory';
}

export function createMemoryHealthStore(): MemoryHealthStore {
  const series: SeriesSlots = new Map();
  const records = new Map<string, HealthRecord>();
  const claims = new Map<string, number>();

  return {
    kind: 'memory',

    async sync(request: SyncRequest): Promise<SyncResult> {
      pruneSeries(series, request.fromSlot);
      const fresh: SeriesSlots = new Map();
      for (const [id, slots] of request.batch) {
        const kept: SlotMap = new Map();
        for (const [slot, counts] of slots) if (slot >= request.fromSlot) kept.set(slot, counts);
        if (kept.size > 0) fresh.set(id, kept);
      }
      mergeSeries(series, fresh);
      if (!request.read) return {};
      const out: SeriesSlots = new Map();
      for (const [id, slots] of series) {
        if (!request.readModels && isModelSeries(id)) continue;
        const copy: SlotMap = new Map();
        for (const [slot, counts] of slots) {
          if (slot <= request.toSlot) copy.set(slot, cloneCounts(counts));
        }
        out.set(id, copy);
      }
      const recordCopy = new Map<string, HealthRecord>();
      for (const [provider, record] of records) recordCopy.set(provider, structuredClone(record));
      return { series: out, records: recordCopy };
    },

    async compareAndSet(expectedVersion: number, next: HealthRecord): Promise<CompareAndSetResult> {
      const current = records.get(next.provider);
      if ((current?.version ?? 0) !== expectedVersion || next.version !== expectedVersion + 1) {
        return { applied: false, current: current && structuredClone(current) };
      }
      records.set(next.provider, structuredClone(next));
      return { applied: true, current: structuredClone(next) };
    },

    async resetWindows(provider: string): Promise<void> {
      for (const id of [...series.keys()]) if (isSeriesOf(id, provider)) series.delete(id);
    },

    async claim(key: string, ttlMs: number, now: number): Promise<boolean> {
      const expires = claims.get(key);
      if (expires !== undefined && expires > now) return false;
      if (claims.size > 10_000) for (const [k, e] of claims) if (e <= now) claims.delete(k);
      claims.set(key, now + ttlMs);
      return true;
    },

    async close(): Promise<void> {},
  };
}
