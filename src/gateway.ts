/**
 * Wires a configuration into a running gateway: one Provider per configured key, grouped in key pools,
 * the routing engine's state, and the Hono app. Runtime-neutral; the entries (node.ts, worker.ts) choose
 * the health store, the clock and the logger.
 */
import type { Hono } from 'hono';
import { PROVIDER_NAMES, PROVIDERS, type ProviderFactory } from '../providers/registry.ts';
import type { HttpTransport } from '../providers/shared/http-transport.ts';
import type { ChatRequest } from '../providers/types.ts';
import { type AppDeps, createApp } from './app.ts';
import type { CacheStore } from './cache/cache-store.ts';
import { createMemoryCacheStore } from './cache/memory-cache-store.ts';
import { createResponseCache } from './cache/serve-cached.ts';
import { type Clock, systemClock } from './clock.ts';
import type { GatewayConfig } from './config/load-config.ts';
import type { HealthMonitor } from './health/types.ts';
import type { ProviderLimits } from './limits/budget-settings.ts';
import type { BudgetStore } from './limits/budget-store.ts';
import { chargedTokens, defaultOutputTokens, promptTokenBound, requestedOutputTokens } from './limits/count-tokens.ts';
import { KeyCheckBoard } from './limits/key-checks.ts';
import { KeyPool } from './limits/key-pool.ts';
import { Limits } from './limits/limits.ts';
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
  /** Where fleet-wide budgets live (node.ts passes Redis); without, budgets are kept in this process. */
  budgetStore?: BudgetStore;
  /** Tokens a request is charged against TPM budgets: its prompt's plus its output budget (may be async). */
  countTokens?: (request: ChatRequest, provider: string, model: string) => number | Promise<number>;
  /** A synchronous upper bound of the same (for remainders providers state). */
  estimateTokens?: (request: ChatRequest, provider: string, model: string) => number;
}

export interface Gateway {
  app: Hono;
  deps: AppDeps;
  cacheStore: CacheStore;
  /** Client-side budgets; close() stops their background sync. */
  limits: Limits;
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
  const limits = new Limits({
    providers: providerLimits(options.config),
    queue: options.config.queue,
    clock,
    ...(options.budgetStore ? { store: options.budgetStore } : {}),
    onStoreChange: (degraded, message) =>
      degraded
        ? logger.log('warn', 'budget_store_unavailable', { alert: true, message })
        : logger.log('info', 'budget_store_recovered', {}),
  });
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
    limits,
    // TPM charges count the way OpenAI's admission does: the prompt (o200k; estimated for Claude and Gemini)
    // plus the output the request may produce.
    countTokens:
      options.countTokens ??
      (async (request, provider, model) =>
        (await chargedTokens(request, provider, model, options.config.models)).total),
    estimateTokens:
      options.estimateTokens ??
      ((request, provider, model) =>
        promptTokenBound(request, provider) +
        (requestedOutputTokens(request) ?? defaultOutputTokens(provider, model, options.config.models))),
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
  return { app: createApp(deps), deps, cacheStore, limits, keyChecks };
}

/** The providers that configured budgets (the others are bound only by what they say). */
function providerLimits(config: GatewayConfig): Map<string, ProviderLimits> {
  const out = new Map<string, ProviderLimits>();
  for (const provider of config.providers) {
    if (!provider.limits && !provider.modelLimits) continue;
    out.set(provider.name, {
      ...(provider.limits ? { limits: provider.limits } : {}),
      ...(provider.modelLimits ? { models: provider.modelLimits } : {}),
    });
  }
  return out;
}
