/**
 * The shared store: every gateway instance reads and writes the same windows and states in Redis.
 *
 * Built for failing fast, because the monitor treats a failed call as "run on local state for now": no
 * offline queue (a command while disconnected fails at once instead of piling up), a short command timeout,
 * and quick reconnects that ioredis performs by itself. Standalone, Sentinel and Cluster connections are
 * passed through to ioredis. This is the only module of health that imports ioredis (Node entry only).
 */
import type { Cluster, Redis } from 'ioredis';
import { connectRedis, type RedisConnection, waitForFirstConnection } from '../transport/redis-connection.ts';
import { type HealthRecord, parseRecord } from './health-record.ts';
import type { CompareAndSetResult, HealthStore, SyncRequest, SyncResult } from './health-store.ts';
import { LATENCY_BUCKET_COUNT } from './latency-buckets.ts';
import { COMPARE_AND_SET_LUA, RESET_WINDOWS_LUA, SYNC_LUA } from './redis-lua.ts';
import { providerSeriesId } from './series-id.ts';
import { addField, countsToFields, emptyCounts, type SeriesSlots, type SlotMap } from './slot-counts.ts';

/**
 * How to reach Redis: a URL (`redis://[user:pass@]host:port/db`, `rediss://...`), ioredis options
 * (standalone, or Sentinel with `sentinels` + `name`), a Cluster (`{ cluster: nodes, options }`), or an
 * existing client (not closed by the store; its own offline-queue/timeout settings apply).
 */

export interface RedisHealthStoreOptions {
  redis: RedisConnection;
  /** Key prefix. Default `switchyard:`. Keys are `<prefix>{health}:...`. */
  prefix?: string;
  /** Per-command timeout for clients the store creates, ms. Default 500. */
  commandTimeoutMs?: number;
}

export interface RedisHealthStore extends HealthStore {
  readonly kind: 'redis';
  readonly client: Redis | Cluster;
  /** `<prefix>{health}:` — every key of this store starts with it. */
  readonly keyBase: string;
}

export const DEFAULT_REDIS_PREFIX = 'switchyard:';

const SCRIPT_SYNC = 'switchyardHealthSync';
const SCRIPT_CAS = 'switchyardHealthCas';
const SCRIPT_RESET = 'switchyardHealthReset';

const SLOT_FIELDS = [
  'n',
  'e',
  'c',
  'r',
  's',
  'x',
  ...Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => `l${i}`),
].join(',');

export function createRedisHealthStore(options: RedisHealthStoreOptions): RedisHealthStore {
  const commandTimeoutMs = options.commandTimeoutMs ?? 500;
  const { client, owned } = connectRedis(options.redis, {
    commandTimeoutMs,
    connectTimeoutMs: Math.max(1000, commandTimeoutMs * 2),
    disconnectTimeoutMs: commandTimeoutMs,
  });
  const keyBase = `${options.prefix ?? DEFAULT_REDIS_PREFIX}{health}:`;
  // ioredis prefixes declared KEYS with its own keyPrefix, but not keys built inside a script.
  const scriptBase = `${client.options.keyPrefix ?? ''}${keyBase}`;
  const seriesKey = `${keyBase}series`;
  const stateKey = `${keyBase}state`;

  // Without a listener ioredis prints every connection error. The last one explains the next failing
  // command better than ioredis' own "Stream isn't writeable" does.
  let connectionError: string | undefined;
  client.on('error', (err: Error) => {
    connectionError = err.message;
  });
  client.on('ready', () => {
    connectionError = undefined;
  });
  client.defineCommand(SCRIPT_SYNC, { numberOfKeys: 2, lua: SYNC_LUA });
  client.defineCommand(SCRIPT_CAS, { numberOfKeys: 1, lua: COMPARE_AND_SET_LUA });
  client.defineCommand(SCRIPT_RESET, { numberOfKeys: 1, lua: RESET_WINDOWS_LUA });
  const script = (name: string) => {
    const fn: unknown = Reflect.get(client, name);
    if (typeof fn !== 'function') throw new Error(`ioredis did not define script ${name}`);
    return (...args: Array<string | number>): Promise<unknown> => {
      const pending: unknown = fn.apply(client, args);
      return Promise.resolve(pending);
    };
  };
  const syncScript = script(SCRIPT_SYNC);
  const casScript = script(SCRIPT_CAS);
  const resetScript = script(SCRIPT_RESET);

  // With no offline queue, commands sent while the first connection is still being made fail at once: give
  // the first connection up to one command timeout, once. Later outages fail fast (ioredis reconnects).
  let startup: Promise<void> | undefined;
  const firstConnection = () =>
    (startup ??= waitForFirstConnection(client, Math.max(options.commandTimeoutMs ?? 500, 500)));
  const ready =
    <A extends unknown[]>(run: (...args: A) => Promise<unknown>) =>
    async (...args: A): Promise<unknown> => {
      await firstConnection();
      try {
        return await run(...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (client.status === 'ready' || connectionError === undefined) throw err;
        throw new Error(`redis ${client.status}: ${connectionError} (${message})`, { cause: err });
      }
    };
  const runSync = ready(syncScript);
  const runCas = ready(casScript);
  const runReset = ready(resetScript);
  const runClaim = ready((key: string, ttlMs: number) => client.set(key, '1', 'PX', ttlMs, 'NX'));

  return {
    kind: 'redis',
    client,
    keyBase,

    async sync(request: SyncRequest): Promise<SyncResult> {
      const writes: Array<string | number> = [];
      let nWrites = 0;
      for (const [series, slots] of request.batch) {
        for (const [slot, counts] of slots) {
          if (slot < request.fromSlot) continue;
          const fields = countsToFields(counts);
          if (fields.length === 0) continue;
          writes.push(series, slot, fields.length);
          for (const [field, value] of fields) writes.push(field, value);
          nWrites += 1;
        }
      }
      const reply = await runSync(
        seriesKey,
        stateKey,
        scriptBase,
        request.fromSlot,
        request.toSlot,
        Math.ceil(request.ttlMs),
        request.read ? 1 : 0,
        request.readModels ? 1 : 0,
        SLOT_FIELDS,
        request.writer?.id ?? '',
        request.writer?.seq ?? 0,
        nWrites,
        ...writes,
      );
      if (!request.read) return {};
      return parseSyncReply(reply, request.fromSlot, request.toSlot);
    },

    async compareAndSet(expectedVersion: number, next: HealthRecord): Promise<CompareAndSetResult> {
      if (next.version !== expectedVersion + 1) return { applied: false, current: undefined };
      const reply = await runCas(stateKey, next.provider, expectedVersion, JSON.stringify(next));
      if (!Array.isArray(reply)) throw new Error('health store: unexpected reply to compare-and-set');
      const [applied, json] = reply as unknown[];
      return {
        applied: Number(applied) === 1,
        current: typeof json === 'string' && json !== '' ? decodeRecord(json) : undefined,
      };
    },

    async resetWindows(provider: string): Promise<void> {
      await runReset(seriesKey, scriptBase, providerSeriesId(provider));
    },

    async claim(key: string, ttlMs: number): Promise<boolean> {
      const reply = await runClaim(`${keyBase}alert:${key}`, Math.max(1, Math.ceil(ttlMs)));
      return reply === 'OK';
    },

    async close(): Promise<void> {
      if (owned) client.disconnect();
    },
  };
}

function parseSyncReply(reply: unknown, fromSlot: number, toSlot: number): SyncResult {
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error('health store: unexpected reply to sync');
  const [seriesReply, stateReply] = reply as unknown[];
  const series: SeriesSlots = new Map();
  const flatSeries = asArray(seriesReply);
  for (let i = 0; i + 1 < flatSeries.length; i += 2) {
    const id = flatSeries[i];
    if (typeof id !== 'string') continue;
    const slots: SlotMap = new Map();
    const fields = asArray(flatSeries[i + 1]);
    for (let j = 0; j + 1 < fields.length; j += 2) {
      const name = fields[j];
      if (typeof name !== 'string') continue;
      const colon = name.indexOf(':');
      if (colon <= 0) continue;
      const slot = Number(name.slice(0, colon));
      if (!Number.isInteger(slot) || slot < fromSlot || slot > toSlot) continue;
      let counts = slots.get(slot);
      if (!counts) {
        counts = emptyCounts();
        slots.set(slot, counts);
      }
      addField(counts, name.slice(colon + 1), Number(fields[j + 1]));
    }
    series.set(id, slots);
  }
  const records = new Map<string, HealthRecord>();
  const flatStates = asArray(stateReply);
  for (let i = 0; i + 1 < flatStates.length; i += 2) {
    const json = flatStates[i + 1];
    const record = typeof json === 'string' ? decodeRecord(json) : undefined;
    if (record) records.set(record.provider, record);
  }
  return { series, records };
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function decodeRecord(json: string): HealthRecord | undefined {
  try {
    return parseRecord(JSON.parse(json));
  } catch {
    return undefined;
  }
}
