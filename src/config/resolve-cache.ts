/** The cache settings: the file's `cache:` over the defaults, then SWITCHYARD_CACHE_*; per route, the route's own. */
import { MAX_TIMER_MS } from './bounds.ts';
import { ConfigError } from './config-error.ts';
import { envNumber, nonEmpty } from './env-values.ts';
import { type CacheConfig, type CacheSettings, DEFAULT_CACHE, type Env } from './gateway-config.ts';
import type { CacheRouteFileSettings, ConfigFile } from './schema.ts';

export function resolveCache(parsed: ConfigFile, env: Env, redisConfigured: boolean): CacheConfig {
  const file = parsed.cache;
  const merged: CacheConfig = { ...DEFAULT_CACHE, store: redisConfigured ? 'redis' : 'memory' };
  if (file) Object.assign(merged, { enabled: true }, definedOnly(file));
  const ttl = envNumber(env, 'SWITCHYARD_CACHE_TTL_MS', 1000, MAX_TIMER_MS);
  if (ttl !== undefined) {
    merged.enabled = true;
    merged.ttlMs = ttl;
  }
  const store = nonEmpty(env.SWITCHYARD_CACHE_STORE);
  if (store !== undefined) {
    if (store !== 'memory' && store !== 'redis')
      throw new ConfigError('SWITCHYARD_CACHE_STORE: must be "memory" or "redis"');
    merged.store = store;
  }
  if (merged.store === 'redis' && !redisConfigured) {
    throw new ConfigError(
      `${store !== undefined ? 'SWITCHYARD_CACHE_STORE' : 'cache.store'}: "redis" needs REDIS_URL (or redisUrl / redis in the config file)`,
    );
  }
  return merged;
}

export function routeCache(global: CacheConfig, spec: boolean | CacheRouteFileSettings | undefined): CacheSettings {
  const base: CacheSettings = {
    enabled: global.enabled,
    ttlMs: global.ttlMs,
    maxEntryBytes: global.maxEntryBytes,
    shareAcrossKeys: global.shareAcrossKeys,
  };
  if (spec === undefined) return base;
  if (typeof spec === 'boolean') return { ...base, enabled: spec };
  return { ...base, enabled: true, ...definedOnly(spec) };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
