/**
 * A small in-memory map whose entries expire after `ttlMs` and whose size is bounded (oldest entries go
 * first). Providers use it to remember, for a short while, what an OpenAI client is known to drop from the
 * history it replays (Gemini thought signatures, Claude thinking blocks), keyed by tool-call id.
 *
 * Memory only, on purpose: a lookup happens while a request is being translated, and nothing on the hot path
 * awaits a store. A second gateway instance does not see this memory; the providers say what happens then.
 */
export interface ExpiringMap<V> {
  set(key: string, value: V): void;
  /** The value, or undefined when absent or expired. */
  get(key: string): V | undefined;
  readonly size: number;
}

export interface ExpiringMapOptions {
  ttlMs: number;
  maxEntries: number;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
}

export function createExpiringMap<V>(options: ExpiringMapOptions): ExpiringMap<V> {
  const now = options.now ?? Date.now;
  // Map keeps insertion order, so the first key is always the oldest entry.
  const entries = new Map<string, { value: V; expires: number }>();
  return {
    set(key, value) {
      entries.delete(key);
      entries.set(key, { value, expires: now() + options.ttlMs });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    get size() {
      return entries.size;
    },
  };
}
