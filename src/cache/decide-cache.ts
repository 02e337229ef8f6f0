/**
 * Whether and how one request uses the cache, from the route's settings and the request's headers: a pure
 * decision. `x-switchyard-cache-ttl: <seconds>` turns the cache on for this request (when the operator allows
 * it) and sets the entry's TTL; `cache-control: no-cache` skips the lookup (a fresh answer, still stored),
 * `no-store` skips storing. Both together bypass the cache entirely.
 */
import type { CacheConfig, CacheSettings } from '../config/load-config.ts';
import { type GatewayError, invalidRequest } from '../gateway-error.ts';

export type CacheDecision =
  | { mode: 'off' }
  | { mode: 'error'; error: GatewayError }
  | { mode: 'on'; lookup: boolean; store: boolean; ttlMs: number; maxEntryBytes: number; shareAcrossKeys: boolean };

export interface CacheHeaders {
  ttl: string | undefined;
  cacheControl: string | undefined;
}

export function decideCache(route: CacheSettings, global: CacheConfig, headers: CacheHeaders): CacheDecision {
  let enabled = route.enabled;
  let ttlMs = route.ttlMs;
  if (headers.ttl !== undefined && global.allowRequestTtl) {
    const seconds = Number(headers.ttl.trim());
    const maxSeconds = Math.floor(global.maxTtlMs / 1000);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxSeconds) {
      const error = invalidRequest(
        `x-switchyard-cache-ttl must be a whole number of seconds from 1 to ${maxSeconds}.`,
        'x-switchyard-cache-ttl',
        'invalid_value',
      );
      error.headers['x-should-retry'] = 'false';
      return { mode: 'error', error };
    }
    enabled = true;
    ttlMs = seconds * 1000;
  }
  if (!enabled) return { mode: 'off' };
  const directives = (headers.cacheControl ?? '')
    .toLowerCase()
    .split(',')
    .map((part) => part.trim());
  return {
    mode: 'on',
    lookup: !directives.includes('no-cache'),
    store: !directives.includes('no-store'),
    ttlMs: Math.min(ttlMs, global.maxTtlMs),
    maxEntryBytes: route.maxEntryBytes,
    shareAcrossKeys: route.shareAcrossKeys,
  };
}
