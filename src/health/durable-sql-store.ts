/**
 * The health store as a Durable Object keeps it: windows, records, alert claims and writer sequence numbers
 * in the object's SQLite storage, with a copy of the windows in memory. A Durable Object runs one call at a
 * time and its memory lives as long as the object, so the copy is always the truth; SQLite makes it survive
 * eviction and restarts. Runs only inside the object; isolates reach it through durable-store.ts.
 */

import type { HealthRecord } from './health-record.ts';
import type { CompareAndSetResult, HealthStore, SyncRequest, SyncResult } from './health-store.ts';
import { isModelSeries, isSeriesOf, modelSeriesPrefix, providerSeriesId } from './series-id.ts';
import {
  addCounts,
  cloneCounts,
  emptyCounts,
  pruneSeries,
  type SeriesSlots,
  type SlotCounts,
  type SlotMap,
} from './slot-counts.ts';

/** The part of `ctx.storage.sql` this store uses (kept structural so the core never imports cloudflare:*). */
export interface SqlLike {
  exec(query: string, ...bindings: unknown[]): { toArray(): Array<Record<string, unknown>> };
}

export interface SqlHealthStore extends HealthStore {
  readonly kind: 'durable';
  /** The write half of `sync`: prunes and adds the batch; false when the writer's seq was applied before. */
  apply(request: SyncRequest): boolean;
  /** The read half of `sync`: the merged windows and every record. */
  answer(request: Pick<SyncRequest, 'toSlot' | 'readModels'>): SyncResult;
  /** The live slots of one series (read-only: the object evaluates where the data is, without copying). */
  slotsOf(id: string): SlotMap | undefined;
  /** Every series id held. */
  seriesIds(): IterableIterator<string>;
  /** The stored record of a provider (read-only). */
  recordOf(provider: string): HealthRecord | undefined;
  providersWithRecords(): IterableIterator<string>;
  /** Whether the object still has work for its alarm: window data, or a provider tripped or probing. */
  hasActivity(): boolean;
}

/** Writers not heard from for this long are forgotten (their batches are long past the window anyway). */
const WRITER_TTL_MS = 3_600_000;

export function createSqlHealthStore(sql: SqlLike): SqlHealthStore {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS health_slots (series TEXT NOT NULL, slot INTEGER NOT NULL, counts TEXT NOT NULL, PRIMARY KEY (series, slot))`,
  );
  sql.exec(`CREATE TABLE IF NOT EXISTS health_records (provider TEXT PRIMARY KEY, record TEXT NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS health_claims (key TEXT PRIMARY KEY, expires INTEGER NOT NULL)`);
  sql.exec(
    `CREATE TABLE IF NOT EXISTS health_writers (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, seen INTEGER NOT NULL)`,
  );

  const series: SeriesSlots = new Map();
  for (const row of sql.exec('SELECT series, slot, counts FROM health_slots').toArray()) {
    const id = String(row.series);
    const slots = series.get(id) ?? new Map<number, SlotCounts>();
    slots.set(Number(row.slot), { ...emptyCounts(), ...(JSON.parse(String(row.counts)) as SlotCounts) });
    series.set(id, slots);
  }
  const records = new Map<string, HealthRecord>();
  for (const row of sql.exec('SELECT record FROM health_records').toArray()) {
    const record = JSON.parse(String(row.record)) as HealthRecord;
    records.set(record.provider, record);
  }

  const alreadyApplied = (writer: SyncRequest['writer'], now: number): boolean => {
    if (!writer || writer.seq === 0) return false;
    const row = sql.exec('SELECT seq FROM health_writers WHERE id = ?', writer.id).toArray()[0];
    if (row && Number(row.seq) >= writer.seq) return true;
    sql.exec('INSERT OR REPLACE INTO health_writers (id, seq, seen) VALUES (?, ?, ?)', writer.id, writer.seq, now);
    sql.exec('DELETE FROM health_writers WHERE seen < ?', now - WRITER_TTL_MS);
    return false;
  };

  const apply = (request: SyncRequest): boolean => {
    if (pruneSeries(series, request.fromSlot) > 0)
      sql.exec('DELETE FROM health_slots WHERE slot < ?', request.fromSlot);
    if (alreadyApplied(request.writer, request.now)) return false;
    for (const [id, slots] of request.batch) {
      for (const [slot, counts] of slots) {
        if (slot < request.fromSlot) continue;
        const kept = series.get(id) ?? new Map<number, SlotCounts>();
        series.set(id, kept);
        const current = kept.get(slot) ?? emptyCounts();
        addCounts(current, counts);
        kept.set(slot, current);
        sql.exec(
          'INSERT OR REPLACE INTO health_slots (series, slot, counts) VALUES (?, ?, ?)',
          id,
          slot,
          JSON.stringify(current),
        );
      }
    }
    return true;
  };

  const answer = (request: Pick<SyncRequest, 'toSlot' | 'readModels'>): SyncResult => {
    const out: SeriesSlots = new Map();
    for (const [id, slots] of series) {
      if (!request.readModels && isModelSeries(id)) continue;
      const copy: SlotMap = new Map();
      for (const [slot, counts] of slots) if (slot <= request.toSlot) copy.set(slot, cloneCounts(counts));
      out.set(id, copy);
    }
    return {
      series: out,
      records: new Map([...records].map(([provider, record]) => [provider, structuredClone(record)])),
    };
  };

  return {
    kind: 'durable',

    apply,
    answer,

    async sync(request: SyncRequest): Promise<SyncResult> {
      apply(request);
      return request.read ? answer(request) : {};
    },

    slotsOf: (id) => series.get(id),
    seriesIds: () => series.keys(),
    recordOf: (provider) => records.get(provider),
    providersWithRecords: () => records.keys(),

    async compareAndSet(expectedVersion: number, next: HealthRecord): Promise<CompareAndSetResult> {
      const current = records.get(next.provider);
      if ((current?.version ?? 0) !== expectedVersion || next.version !== expectedVersion + 1) {
        return { applied: false, current: current && structuredClone(current) };
      }
      const stored = structuredClone(next);
      sql.exec(
        'INSERT OR REPLACE INTO health_records (provider, record) VALUES (?, ?)',
        next.provider,
        JSON.stringify(stored),
      );
      records.set(next.provider, stored);
      return { applied: true, current: structuredClone(stored) };
    },

    async resetWindows(provider: string): Promise<void> {
      for (const id of [...series.keys()]) if (isSeriesOf(id, provider)) series.delete(id);
      const prefix = modelSeriesPrefix(provider);
      sql.exec(
        'DELETE FROM health_slots WHERE series = ? OR substr(series, 1, ?) = ?',
        providerSeriesId(provider),
        prefix.length,
        prefix,
      );
    },

    async claim(key: string, ttlMs: number, now: number): Promise<boolean> {
      const row = sql.exec('SELECT expires FROM health_claims WHERE key = ?', key).toArray()[0];
      if (row && Number(row.expires) > now) return false;
      sql.exec('DELETE FROM health_claims WHERE expires <= ?', now);
      sql.exec('INSERT OR REPLACE INTO health_claims (key, expires) VALUES (?, ?)', key, now + ttlMs);
      return true;
    },

    hasActivity(): boolean {
      if (series.size > 0) return true;
      for (const record of records.values()) if (record.state === 'tripped' || record.state === 'probing') return true;
      return false;
    },

    async close(): Promise<void> {},
  };
}
