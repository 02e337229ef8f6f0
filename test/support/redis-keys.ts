/** Redis helpers for the budget tests: a key prefix per test, and cleanup of exactly that prefix. */
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(): string {
  return `switchyard-test:budgets:${crypto.randomUUID()}:`;
}

export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Deletes every key under the prefixes (never FLUSHALL: other tests share this Redis). */
export async function deleteUnder(prefixes: readonly string[]): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    for (const prefix of prefixes) {
      const keys = await keysUnder(redis, prefix);
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
