/**
 * The cache key: a SHA-256 (plain TypeScript, the same on Node and Workers; see sha256.ts) over a canonical form of every
 * request field that can change the answer. `stream`, `stream_options`, `user` and `metadata` are left out,
 * so a streaming and a non-streaming request for the same prompt share one entry.
 */
import { sha256Hex } from './sha256.ts';

const IGNORED_FIELDS = new Set(['stream', 'stream_options', 'user', 'metadata']);
const KEY_VERSION = 'v1';

/** JSON with object keys sorted at every depth: two requests that differ only in key order hash the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const fields = Object.keys(record)
    .filter((name) => record[name] !== undefined)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${canonicalJson(record[name])}`);
  return `{${fields.join(',')}}`;
}

/**
 * `partition` is the tenant (the client's gateway key, or '' when entries are shared); it is hashed in, never
 * stored, so the key reveals neither the prompt nor the gateway key.
 */
export function cacheKey(body: Record<string, unknown>, partition: string): string {
  const answerFields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) if (!IGNORED_FIELDS.has(name)) answerFields[name] = value;
  const text = `${KEY_VERSION}\n${partition.length}:${partition}\n${canonicalJson(answerFields)}`;
  return sha256Hex(new TextEncoder().encode(text));
}
