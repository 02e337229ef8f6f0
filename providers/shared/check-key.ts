/**
 * A key check: the provider's cheapest authenticated call (listing models, one page of one), sent once per
 * key at start-up so that a rejected key is known before a client's request fails on it.
 *
 * What the answer means: the provider's "this key is wrong" (each provider says which; 401 and 403 for all)
 * → `bad`; 2xx → `ok`; anything else — a timeout, no connection, a 429, a 5xx, a 404 from an OpenAI-compatible
 * server without a model listing — → `unverified`: nothing is known against the key, so it is used as before.
 * The result's `reason` is short and redacted: it reaches /health and a log line.
 */
import type { KeyCheckResult } from '../types.ts';
import type { HttpTransport } from './http-transport.ts';
import { redactField } from './redact-secrets.ts';

export interface KeyCheckRequest {
  transport: HttpTransport;
  url: string;
  headers: Record<string, string>;
  signal: AbortSignal;
  /** The key itself, redacted from anything the result carries. */
  secret: string;
  /** Whether a non-2xx answer says the key is wrong (401 and 403 always do). */
  rejectsKey?: (status: number, body: unknown) => boolean;
  /** The provider's error code in its envelope, for the reason (e.g. `invalid_api_key`). */
  errorCode: (body: unknown) => string | undefined;
}

/** Answers larger than this are not read: a model listing's first page is a few kilobytes. */
const MAX_BODY_CHARS = 64 * 1024;

export async function runKeyCheck(request: KeyCheckRequest): Promise<KeyCheckResult> {
  let text: string;
  let status: number;
  try {
    const response = await request.transport({
      url: request.url,
      method: 'GET',
      headers: { accept: 'application/json', ...request.headers },
      signal: request.signal,
    });
    status = response.status;
    text = await response.text();
  } catch {
    // Which network error it was says nothing about the key, and its message may name the host.
    return { state: 'unverified', reason: request.signal.aborted ? 'timeout' : 'network' };
  }
  if (status >= 200 && status < 300) return { state: 'ok', status, reason: `http_${status}` };
  const body = parseJson(text.length > MAX_BODY_CHARS ? '' : text);
  const code = redactField(request.errorCode(body), [request.secret]);
  const reason = `http_${status}${code ? ` ${code}` : ''}`;
  const rejected = status === 401 || status === 403 || (request.rejectsKey?.(status, body) ?? false);
  return { state: rejected ? 'bad' : 'unverified', status, reason };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}
