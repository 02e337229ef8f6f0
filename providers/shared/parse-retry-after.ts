/**
 * How long an upstream asked us to wait, from its response headers, in milliseconds.
 *
 * `retry-after-ms` (OpenAI, Anthropic) is the most precise and wins; `retry-after` is either
 * delta-seconds or an HTTP-date (RFC 9110 §10.2.3). `now` is injectable so tests need no real clock.
 */
import type { HeaderReader } from './http-transport.ts';

export function parseRetryAfter(headers: HeaderReader, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const trimmed = raw.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * A Go-style duration as OpenAI sends in `x-ratelimit-reset-*` (`1s`, `6m0s`, `12ms`, `1h2m3.5s`), in ms.
 */
export function parseGoDuration(value: string): number | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const pattern = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(pattern)) {
    if (match.index !== consumed) return undefined;
    consumed += match[0].length;
    const amount = Number(match[1]);
    switch (match[2]) {
      case 'h':
        total += amount * 3_600_000;
        break;
      case 'm':
        total += amount * 60_000;
        break;
      case 's':
        total += amount * 1000;
        break;
      case 'ms':
        total += amount;
        break;
      case 'us':
      case 'µs':
        total += amount / 1000;
        break;
      case 'ns':
        total += amount / 1_000_000;
        break;
    }
  }
  return consumed === trimmed.length ? Math.round(total) : undefined;
}

/** A Google `google.protobuf.Duration` in JSON form (`"58s"`, `"1.5s"`), in ms. */
export function parseProtoDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}
