/**
 * What every cache store keeps: one complete, successful answer per key, as the JSON text of its
 * `chat.completion`, with who served it and when. Kept as text, not as an object: a JSON hit sends it as it is,
 * and a store full of single strings costs the garbage collector far less than one full of object graphs.
 * Stores never throw to a request: a failing or slow store answers "not found" and drops the write.
 */
export interface CachedAnswer {
  /** The `chat.completion` as JSON text. */
  body: string;
  /** Whether it has token counts (a stream without include_usage records none). */
  hasUsage: boolean;
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

/** The metadata as one JSON line, then the body: the stored form (JSON.stringify never writes a raw newline). */
export function encodeAnswer(answer: CachedAnswer): string {
  const meta = { storedAt: answer.storedAt, hasUsage: answer.hasUsage, provider: answer.provider, model: answer.model };
  return `${JSON.stringify(meta)}\n${answer.body}`;
}

export function decodeAnswer(text: string): CachedAnswer | undefined {
  const newline = text.indexOf('\n');
  if (newline < 0) return undefined;
  try {
    const meta = JSON.parse(text.slice(0, newline)) as Partial<CachedAnswer> | null;
    if (!meta || typeof meta.storedAt !== 'number' || typeof meta.hasUsage !== 'boolean') return undefined;
    return {
      body: text.slice(newline + 1),
      hasUsage: meta.hasUsage,
      storedAt: meta.storedAt,
      ...(typeof meta.provider === 'string' ? { provider: meta.provider } : {}),
      ...(typeof meta.model === 'string' ? { model: meta.model } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Size of an answer as maxEntryBytes counts it: UTF-8 bytes of its body. */
export function answerBytes(answer: CachedAnswer): number {
  const text = answer.body;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}
