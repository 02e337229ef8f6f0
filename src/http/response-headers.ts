/**
 * The headers that explain every answer: who served it, how many attempts it took and why earlier ones were
 * abandoned. Documented in the README ("Response headers").
 *
 * Some of these values come from the client (the model as requested, the names of fields a provider cannot
 * honour) or from an upstream (a param it blamed). Node throws on a header value with CR, LF, NUL or a
 * character beyond Latin-1, after the upstream has answered and billed; and a 1 MiB header is refused by
 * clients. So every value is percent-encoded outside visible ASCII and capped in length (README "Limits").
 */
import type { Warning } from '../../providers/types.ts';

export interface Explanation {
  requestId: string;
  provider?: string;
  model?: string;
  attempts: number;
  fallbackReasons: readonly string[];
  warnings?: readonly Warning[];
  /** Time the request waited for client-side budget, ms (README "Rate limits and queueing"). */
  queueMs?: number;
}

/** Longest value of x-switchyard-model and of one warning or fallback reason. */
export const MAX_HEADER_ITEM_LENGTH = 256;
/** Longest x-switchyard-warnings and x-switchyard-fallback-reason values, all items together. */
export const MAX_HEADER_LIST_LENGTH = 2048;
const ELLIPSIS = '...';

export function explainHeaders(explanation: Explanation): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': explanation.requestId,
    'x-switchyard-attempts': String(explanation.attempts),
  };
  if (explanation.provider) headers['x-switchyard-provider'] = headerSafe(explanation.provider);
  if (explanation.model) headers['x-switchyard-model'] = headerSafe(explanation.model);
  if (explanation.queueMs) headers['x-switchyard-queue-ms'] = String(explanation.queueMs);
  if (explanation.fallbackReasons.length)
    headers['x-switchyard-fallback-reason'] = headerList(explanation.fallbackReasons, ',');
  if (explanation.warnings?.length) {
    headers['x-switchyard-warnings'] = headerList(
      explanation.warnings.map((warning) => `${warning.param}: ${warning.message}`),
      '; ',
    );
  }
  return headers;
}

/**
 * Visible ASCII and spaces kept as they are (model names like `openai/gpt-4o` stay readable); `%` and
 * everything else as percent-encoded UTF-8 (a lone surrogate as U+FFFD's bytes), capped at `max`.
 */
export function headerSafe(value: string, max = MAX_HEADER_ITEM_LENGTH): string {
  const encoder = new TextEncoder();
  const pieces: string[] = [];
  let length = 0;
  for (const char of value) {
    const piece = /^[\x20-\x24\x26-\x7e]$/.test(char)
      ? char
      : [...encoder.encode(char)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    pieces.push(piece);
    length += piece.length;
    // Enough to know it is too long; a 1 MiB model name is not encoded whole.
    if (length > max) break;
  }
  if (length <= max) return pieces.join('').trim();
  let out = '';
  for (const piece of pieces) {
    if (out.length + piece.length > max - ELLIPSIS.length) break;
    out += piece;
  }
  return `${out.trim()}${ELLIPSIS}`;
}

function headerList(items: readonly string[], separator: string): string {
  let out = '';
  for (const [index, item] of items.entries()) {
    const piece = `${index === 0 ? '' : separator}${headerSafe(item)}`;
    if (out.length + piece.length > MAX_HEADER_LIST_LENGTH - 32)
      return `${out}${separator}(${items.length - index} more)`;
    out += piece;
  }
  return out;
}

export function newRequestId(): string {
  return `req_${crypto.randomUUID().replace(/-/g, '')}`;
}
