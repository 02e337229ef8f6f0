/**
 * The embedded cache store: least recently used entries are evicted once the total size passes `maxBytes`.
 * A Map keeps insertion order, so re-inserting on every hit makes its first key the least recently used.
 */
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import { answerBytes, type CachedAnswer, type CacheStore } from './cache-store.ts';

interface Slot {
  answer: CachedAnswer;
  bytes: number;
  expiresAt: number;
}

export interface MemoryCacheStore extends CacheStore {
  readonly kind: 'memory';
  /** Bytes held now (sum of entry sizes). */
  readonly bytes: number;
  readonly size: number;
}

export function createMemoryCacheStore(options: { maxBytes: number; clock?: Clock }): MemoryCacheStore {
  const clock = options.clock ?? systemClock;
  const slots = new Map<string, Slot>();
  let total = 0;
  const remove = (key: string, slot: Slot) => {
    slots.delete(key);
    total -= slot.bytes;
  };
  return {
    kind: 'memory',
    get bytes() {
      return total;
    },
    get size() {
      return slots.size;
    },
    async get(key) {
      const slot = slots.get(key);
      if (!slot) return undefined;
      if (slot.expiresAt <= clock.now()) {
        remove(key, slot);
        return undefined;
      }
      slots.delete(key);
      slots.set(key, slot);
      return slot.answer;
    },
    async set(key, answer, { ttlMs, maxEntryBytes }) {
      const bytes = answerBytes(answer);
      if (bytes > Math.min(options.maxBytes, maxEntryBytes)) return;
      const previous = slots.get(key);
      if (previous) remove(key, previous);
      slots.set(key, { answer, bytes, expiresAt: clock.now() + ttlMs });
      total += bytes;
      for (const [oldest, slot] of slots) {
        if (total <= options.maxBytes) break;
        remove(oldest, slot);
      }
    },
    async close() {
      slots.clear();
      total = 0;
    },
  };
}
