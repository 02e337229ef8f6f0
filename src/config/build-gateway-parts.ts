/**
 * The one mapping from configuration to the gateway's parts, shared by both entries: the logger (at
 * SWITCHYARD_LOG_LEVEL), the health monitor on the store the entry chose (thresholds, probe, windows and
 * SWITCHYARD_ALERT_WEBHOOK_URL from the config), the gateway itself (cache, policy, routes, keys), and the
 * start-up warnings the configuration calls for. The entries choose only what depends on the runtime: the
 * stores, how the health cycle is driven (timers on Node, requests on Workers), and Node's telemetry.
 */

import type { HttpTransport } from '../../providers/shared/http-transport.ts';
import type { AppDeps } from '../app.ts';
import type { CacheStore } from '../cache/cache-store.ts';
import { createGateway, type Gateway, type GatewayOptions } from '../gateway.ts';
import {
  type BackgroundHealthMonitor,
  createHealthMonitor,
  type HealthMonitorOptions,
} from '../health/health-monitor.ts';
import type { HealthStore } from '../health/health-store.ts';
import type { BudgetStore } from '../limits/budget-store.ts';
import type { DashboardRecorder } from '../telemetry/dashboard-recorder.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import type { TelemetrySink } from '../telemetry/telemetry-sink.ts';
import { ConfigError, type GatewayConfig } from './load-config.ts';

export interface GatewayPartsOptions {
  config: GatewayConfig;
  store: HealthStore;
  /** How the health cycle runs: 'timers' (Node) or 'requests' (Workers, no timers between requests). */
  drive: 'timers' | 'requests';
  /** Gateway-wide warnings for /health (e.g. a missing binding). */
  notices?: string[];
  /** Refuse /v1/* with 401 when GATEWAY_API_KEYS is empty, saying why (Workers: reachable from anywhere). */
  requireGatewayKeys?: boolean;
  /** Match routes without a build step (Workers: a new isolate's first request would build the matcher). */
  linearRouter?: boolean;
  /** Health flush interval, ms (the monitor's default when unset). */
  flushIntervalMs?: number;
  /** A logger made earlier (Node needs one for its Redis and tracing set-up); default: one at config.logLevel. */
  logger?: Logger;
  /** The response cache's store; default a memory store bounded by cache.maxBytes. */
  cacheStore?: CacheStore;
  /** How passthrough providers send HTTP (Node: undici); default the runtime's fetch. */
  transport?: HttpTransport;
  /** The provider registry (Workers: translating providers loaded at their first call); default PROVIDERS. */
  providers?: GatewayOptions['providers'];
  /** Telemetry sinks (Prometheus, traces: Node only); none → the request path calls nothing. */
  telemetry?: readonly TelemetrySink[];
  /** The exposition for GET /metrics. */
  metrics?: AppDeps['metrics'];
  /** Feeds /dashboard, and hears every alert. */
  dashboard?: DashboardRecorder;
  /** Fleet-wide budgets (Node: Redis when configured); default: kept in this process. */
  budgetStore?: BudgetStore;
}

export interface GatewayParts {
  logger: Logger;
  health: BackgroundHealthMonitor;
  gateway: Gateway;
}

/** Health monitor options from the configuration (everything but the store and how it is driven). */
export function healthOptionsFrom(
  config: GatewayConfig,
  logger: Logger,
  dashboard?: DashboardRecorder,
): Omit<HealthMonitorOptions, 'store'> {
  return {
    thresholds: config.health.thresholds,
    probe: config.health.probe,
    windows: config.health.windows,
    ...(config.health.webhookUrl
      ? { webhookUrl: config.health.webhookUrl, webhookFormat: config.health.webhookFormat }
      : {}),
    ...(dashboard ? { onAlert: (alert) => dashboard.alert?.(alert) } : {}),
    logger,
  };
}

export function buildGatewayParts(options: GatewayPartsOptions): GatewayParts {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  let health: BackgroundHealthMonitor;
  try {
    health = createHealthMonitor({
      ...healthOptionsFrom(config, logger, options.dashboard),
      store: options.store,
      ...(options.drive === 'requests' ? { backgroundTimers: false, driveOnRequests: true } : {}),
      ...(options.flushIntervalMs !== undefined
        ? { flushIntervalMs: options.flushIntervalMs, refreshIntervalMs: options.flushIntervalMs }
        : {}),
    });
  } catch (error) {
    throw new ConfigError(`health: ${(error as Error).message}`);
  }
  const gateway = createGateway({
    config,
    health,
    logger,
    healthReport: () => health.report(),
    ...(options.notices?.length ? { notices: options.notices } : {}),
    ...(options.requireGatewayKeys ? { requireGatewayKeys: true } : {}),
    ...(options.linearRouter ? { linearRouter: true } : {}),
    ...(options.cacheStore ? { cacheStore: options.cacheStore } : {}),
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.providers ? { providers: options.providers } : {}),
    ...(options.telemetry?.length ? { telemetry: options.telemetry } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.dashboard ? { dashboard: options.dashboard } : {}),
    ...(options.budgetStore ? { budgetStore: options.budgetStore } : {}),
  });
  warnAtStart(config, logger, options.requireGatewayKeys ?? false);
  return { logger, health, gateway };
}

/** What an operator must hear at start, on either runtime. */
function warnAtStart(config: GatewayConfig, logger: Logger, requireGatewayKeys: boolean): void {
  if (config.providers.length === 0) {
    logger.log('warn', 'no_providers', {
      message:
        'No provider key is set (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY): every chat request will fail with 503.',
    });
  }
  if (config.apiKeys.length === 0) {
    logger.log('warn', 'unauthenticated', {
      message: requireGatewayKeys
        ? 'GATEWAY_API_KEYS is not set: /v1/* answers 401 until it is.'
        : 'GATEWAY_API_KEYS is not set: any local process can use the provider keys. Listening on loopback only.',
    });
  }
}
