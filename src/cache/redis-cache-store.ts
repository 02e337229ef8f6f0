/**
 * The shared cache store: every instance reads and writes the same entries in Redis, each with a TTL.
 * Values above `compressAboveBytes` are gzipped (CompressionStream, no native module). Every call is bounded
 * by `timeoutMs`: a slow or stopped Redis is a cache miss and a dropped write, never a slow request. No offline
 * queue, so commands while disconnected fail at once instead of piling up; ioredis reconnects by itself.
 */
import type { Cluster, Redis } from 'ioredis';
import { connectRedis, type RedisConnection } from '../transport/redis-connection.ts';
import { answerBytes, type CacheStore, decodeAnswer, encodeAnswer } from './cache-store.ts';

export interface RedisCacheStoreOptions {
  redis: RedisConnection;
  /** Key prefix; keys are `<prefix>cache:<sha256>`. */
  prefix: string;
  /** The longest a request waits for Redis, ms. */
  timeoutMs: number;
  compressAboveBytes: number;
  /** Told about store failures (rate-limited by the caller's logger if needed); never given values. */
  onError?: (message: string) => void;
}

export interface RedisCacheStore extends CacheStore {
  readonly kind: 'redis';
  readonly client: Redis | Cluster;
  keyFor(key: string): string;
}

const RAW = 0x00;
const GZIP = 0x01;

export function createRedisCacheStore(options: RedisCacheStoreOptions): RedisCacheStore {
  const { client, owned } = connectRedis(options.redis, {
    commandTimeoutMs: Math.max(options.timeoutMs * 4, 200),
    connectTimeoutMs: 1000,
    disconnectTimeoutMs: 100,
  });
  let lastError: string | undefined;
  client.on('error', (error: Error) => {
    if (error.message !== lastError) options.onError?.(error.message);
    lastError = error.message;
  });
  client.on('ready', () => {
    lastError = undefined;
  });
  const keyFor = (key: string) => `${options.prefix}cache:${key}`;
  return {
    kind: 'redis',
    client,
    keyFor,
    async get(key) {
      const value = await bounded(client.getBuffer(keyFor(key)), options.timeoutMs, options.onError);
      if (!value || value.length < 2) return undefined;
      try {
        const body = value.subarray(1);
        const json = value[0] === GZIP ? await gunzip(body) : new TextDecoder().decode(body);
        return decodeAnswer(json);
      } catch {
        return undefined;
      }
    },
    async set(key, answer, { ttlMs, maxEntryBytes }) {
      const bytes = answerBytes(answer);
      if (bytes > maxEntryBytes) return;
      const text = new TextEncoder().encode(encodeAnswer(answer));
      const body = bytes > options.compressAboveBytes ? await gzip(text) : text;
      const value = Buffer.alloc(body.byteLength + 1);
      value[0] = body === text ? RAW : GZIP;
      value.set(body, 1);
      await bounded(
        client.set(keyFor(key), value, 'PX', Math.max(1, Math.ceil(ttlMs))),
        options.timeoutMs,
        options.onError,
      );
    },
    async close() {
      if (owned) client.disconnect();
    },
  };
}

/** The command's answer, or undefined once `timeoutMs` passed or it failed. */
function bounded<T>(
  pending: Promise<T>,
  timeoutMs: number,
  onError?: (message: string) => void,
): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      onError?.(`cache store: no answer from Redis within ${timeoutMs} ms`);
      resolve(undefined);
    }, timeoutMs);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        onError?.(`cache store: ${error instanceof Error ? error.message : String(error)}`);
        resolve(undefined);
      },
    );
  });
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzip(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return await new Response(stream).text();
}
