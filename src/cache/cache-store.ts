/**
 * What every cache store keeps: one complete, successful answer per key, with who served it and when.
 * Stores never throw to a request: a failing or slow store answers "not found" and drops the write.
 */
import type { ChatCompletion } from '../../providers/types.ts';

export interface CachedAnswer {
  completion: ChatCompletion;
  provider?: string;
  model?: string;
  /** Epoch ms when the answer was stored (for the `age` header). */
  storedAt: number;
}

export interface EntryLimits {
  ttlMs: number;
  maxEntryBytes: number;
}

export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<CachedAnswer | undefined>;
  /** Never rejects; `ttlMs` applies to this entry; an answer larger than `maxEntryBytes` is not stored. */
  set(key: string, answer: CachedAnswer, limits: EntryLimits): Promise<void>;
  close(): Promise<void>;
}

/** Size of an answer as stored, UTF-8 bytes of its JSON (what maxEntryBytes bounds). */
export function encodeAnswer(answer: CachedAnswer): { json: string; bytes: number } {
  const json = JSON.stringify(answer);
  return { json, bytes: utf8Length(json) };
}

export function decodeAnswer(json: string): CachedAnswer | undefined {
  try {
    const value = JSON.parse(json) as Partial<CachedAnswer> | null;
    if (!value || typeof value !== 'object' || typeof value.storedAt !== 'number') return undefined;
    const completion = value.completion;
    if (!completion || completion.object !== 'chat.completion' || !Array.isArray(completion.choices)) return undefined;
    return value as CachedAnswer;
  } catch {
    return undefined;
  }
}

function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}
