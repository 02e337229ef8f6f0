/**
 * The response cache seen by telemetry: whatever it answered, its `x-switchyard-cache` header says what it did
 * (hit, miss, bypass; absent while the cache is off for the request). Reading the header keeps the cache
 * itself free of telemetry, as `observeOutcomes` does for health.
 */
import type { ResponseCache } from '../cache/serve-cached.ts';
import type { CacheEvent, TelemetrySink } from './telemetry-sink.ts';

const RESULTS: ReadonlySet<string> = new Set(['hit', 'miss', 'bypass']);

export function observeCache(cache: ResponseCache, sink: TelemetrySink): ResponseCache {
  return async function observedCache(input, answer) {
    const response = await cache(input, answer);
    const result = response.headers.get('x-switchyard-cache');
    if (result !== null && RESULTS.has(result)) sink.cache?.({ result: result as CacheEvent['result'] });
    return response;
  };
}
