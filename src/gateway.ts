/**
 * Wires a configuration into a running gateway: one Provider per configured key, grouped in key pools,
 * the routing engine's state, and the Hono app. Runtime-neutral; the entries (node.ts, worker.ts) choose
 * the health store, the clock and the logger.
 */
import type { Hono } from 'hono';
import { PROVIDER_NAMES, PROVIDERS, type ProviderFactory } from '../providers/registry.ts';
import type { HttpTransport } from '../providers/shared/http-transport.ts';
import { type AppDeps, createApp } from './app.ts';
import type { CacheStore } from './cache/cache-store.ts';
import { createMemoryCacheStore } from './cache/memory-cache-store.ts';
import { createResponseCache } from './cache/serve-cached.ts';
import { type Clock, systemClock } from './clock.ts';
import type { GatewayConfig } from './config/load-config.ts';
import type { HealthMonitor } from './health/types.ts';
import { KeyCheckBoard } from './limits/key-checks.ts';
import { KeyPool } from './limits/key-pool.ts';
import { RetryBudget } from './routing/retry-budget.ts';
import type { DashboardRecorder } from './telemetry/dashboard-recorder.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import { observeCache } from './telemetry/observe-cache.ts';
import { observeOutcomes } from './telemetry/observe-outcomes.ts';
import { combineSinks, type TelemetrySink } from './telemetry/telemetry-sink.ts';

export interface GatewayOptions {
  config: GatewayConfig;
  health: HealthMonitor;
  clock?: Clock;
  logger?: Logger;
  /** Jitter source; tests pass a fixed one. */
  random?: () => number;
  providers?: Readonly<Record<string, ProviderFactory>>;
  healthReport?: () => unknown;
  /** Gateway-wide warnings shown in /health. */
  notices?: string[];
  /** Answer /v1/* with 401 when no gateway key is configured (the Worker: reachable from anywhere). */
  requireGatewayKeys?: boolean;
  /** Match routes without a build step (Workers: see AppDeps.linearRouter). */
  linearRouter?: boolean;
  /** Telemetry sinks (e.g. Prometheus from node.ts); none → the request path calls nothing. */
  telemetry?: readonly TelemetrySink[];
  metrics?: AppDeps['metrics'];
  /** Feeds /dashboard (also added to the sinks). Mounted only with an admin key. */
  dashboard?: DashboardRecorder;
  /** The response cache's store (the entries pass Redis here); a memory store bounded by cache.maxBytes by default. */
  cacheStore?: CacheStore;
  /** How passthrough providers send HTTP (node.ts injects undici; the default is the runtime's fetch). */
  transport?: HttpTransport;
}

export interface Gateway {
  app: Hono;
  deps: AppDeps;
  cacheStore: CacheStore;
  /** What the key checks found; the entries run the checks (src/limits/check-keys.ts). */
  keyChecks: KeyCheckBoard;
}

export function createGateway(options: GatewayOptions): Gateway {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger();
  const factories = options.providers ?? PROVIDERS;
  const pools = new Map<string, KeyPool>();
  const keyChecks = new KeyCheckBoard();
  for (const provider of options.config.providers) {
    const factory = factories[provider.name];
    if (!factory) continue;
    const keys = provider.apiKeys.map((apiKey, index) => ({
      id: `${provider.name}#${index + 1}`,
      provider: factory({
        apiKey,
        ...(provider.baseURL ? { baseURL: provider.baseURL } : {}),
        ...(provider.defaultModel ? { defaultModel: provider.defaultModel } : {}),
        ...(options.transport ? { transport: options.transport } : {}),
      }),
    }));
    pools.set(provider.name, new KeyPool(provider.name, keys, clock, keyChecks));
  }
  const telemetry = combineSinks([...(options.dashboard ? [options.dashboard] : []), ...(options.telemetry ?? [])]);
  const cacheStore = options.cacheStore ?? createMemoryCacheStore({ maxBytes: options.config.cache.maxBytes, clock });
  const responseCache = createResponseCache({ config: options.config, store: cacheStore, clock, logger });
  const deps: AppDeps = {
    config: options.config,
    pools,
    health: telemetry ? observeOutcomes(options.health, telemetry) : options.health,
    budget: new RetryBudget(clock),
    clock,
    logger,
    knownProviders: Object.keys(factories).length ? Object.keys(factories) : PROVIDER_NAMES,
    ...(options.random ? { random: options.random } : {}),
    ...(options.healthReport ? { healthReport: options.healthReport } : {}),
    ...(options.notices?.length ? { notices: options.notices } : {}),
    ...(options.requireGatewayKeys ? { requireGatewayKeys: true } : {}),
    ...(options.linearRouter ? { linearRouter: true } : {}),
    ...(telemetry ? { telemetry } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.dashboard ? { dashboard: options.dashboard } : {}),
    cache: telemetry ? observeCache(responseCache, telemetry) : responseCache,
  };
  return { app: createApp(deps), deps, cacheStore, keyChecks };
}
