/**
 * The cache key: a SHA-256 (crypto.subtle, so the same on Node and Workers) over a canonical form of every
 * request field that can change the answer. `stream`, `stream_options`, `user` and `metadata` are left out,
 * so a streaming and a non-streaming request for the same prompt share one entry.
 */
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
export async function cacheKey(body: Record<string, unknown>, partition: string): Promise<string> {
  const answerFields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) if (!IGNORED_FIELDS.has(name)) answerFields[name] = value;
  const text = `${KEY_VERSION}\n${partition.length}:${partition}\n${canonicalJson(answerFields)}`;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return toHex(new Uint8Array(digest));
}

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}
