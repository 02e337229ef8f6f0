/**
 * Node entry (`npm start`): configuration from the environment and SWITCHYARD_CONFIG, the health store
 * (Redis when REDIS_URL is set, memory otherwise), @hono/node-server, and a graceful shutdown that lets
 * in-flight requests and streams finish. With an admin key: Prometheus metrics on /metrics and the live
 * /dashboard; with OTEL_EXPORTER_OTLP_ENDPOINT, OTLP traces (loaded only then). Every provider key is checked
 * in the background at start-up; `--check` (`npm run check`) runs only those checks and exits.
 *
 * Longer than ~300 lines on purpose: it is the one place that wires the Node-only parts (Redis stores, metrics,
 * traces, undici, the server and its shutdown), each a few lines, so the entry reads top to bottom.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { PROVIDER_NAMES } from '../providers/registry.ts';
import type { CacheStore } from './cache/cache-store.ts';
import { systemClock } from './clock.ts';
import { MAX_CONFIG_BYTES } from './config/bounds.ts';
import { buildGatewayParts, type GatewayParts } from './config/build-gateway-parts.ts';
import { ConfigError, type GatewayConfig, resolveConfig } from './config/load-config.ts';
import { DEFAULT_KEY_CHECKS } from './config/resolve-checks.ts';
import { createGateway, type Gateway } from './gateway.ts';
import { createHealthMonitor } from './health/health-monitor.ts';
import type { HealthStore } from './health/health-store.ts';
import { createMemoryHealthStore } from './health/memory-store.ts';
import { clientErrorResponse } from './http/client-error-response.ts';
import type { BudgetStore } from './limits/budget-store.ts';
import {
  checkKeys,
  formatKeyChecks,
  type KeyCheckOptions,
  recheckBadKeys,
  START_HOLD_MS,
} from './limits/check-keys.ts';
import { createDashboardRecorder, type DashboardRecorder } from './telemetry/dashboard-recorder.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import { createPromMetrics, type PromMetrics } from './telemetry/metrics/prom-client-metrics.ts';
import type { TelemetrySink } from './telemetry/telemetry-sink.ts';
import type { RedisConnection } from './transport/redis-connection.ts';
import { undiciTransport } from './transport/undici-transport.ts';

const SHUTDOWN_GRACE_MS = 10_000;

/** The schema library and the YAML parser (about 25 MB resident) are loaded only when there is a file. */
async function readConfig(): Promise<GatewayConfig> {
  const path = process.env.SWITCHYARD_CONFIG;
  if (!path) return resolveConfig(process.env, {}, PROVIDER_NAMES);
  const file = { text: readBounded(path), path };
  const { loadConfig } = await import('./config/parse-config-file.ts');
  return loadConfig(process.env, file, PROVIDER_NAMES);
}

/** At most MAX_CONFIG_BYTES + 1 bytes, so `SWITCHYARD_CONFIG=/dev/zero` is refused instead of read forever. */
function readBounded(path: string): string {
  const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
  let length = 0;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (let read = 1; read > 0 && length < buffer.length; length += read)
      read = readSync(fd, buffer, length, buffer.length - length, null);
  } catch (error) {
    throw new ConfigError(
      `SWITCHYARD_CONFIG: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}`,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (length > MAX_CONFIG_BYTES)
    throw new ConfigError(`SWITCHYARD_CONFIG: ${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
  return buffer.toString('utf8', 0, length);
}

/**
 * Start-up errors name the field and never print a stack: a stack from a parser can quote the config text.
 * Anything that is not a ConfigError is a gateway bug; it is reported by name only.
 */
function refuseToStart(error: unknown): never {
  const message =
    error instanceof ConfigError
      ? error.message
      : `unexpected ${error instanceof Error ? error.name : 'error'} while loading the configuration`;
  console.error(`switchyard: configuration error: ${message}`);
  process.exit(1);
}

/**
 * Node's own answers to requests it rejects (bad HTTP, headers over 16 KiB, a request not received in time)
 * have no body; this gives them OpenAI's error shape. Nothing is written once a response has started.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket, inbound: GatewayConfig['inbound']): void {
  if (error.code !== 'ECONNRESET' && socket.writable && socket.bytesWritten === 0) {
    // Destroyed once the answer is flushed (a destroy right away would discard it), or after a second at most.
    socket.end(clientErrorResponse(error, inbound), () => socket.destroy());
    setTimeout(() => socket.destroy(), 1000).unref();
    return;
  }
  socket.destroy();
}

/**
 * Redis when REDIS_URL (or `redis:` options) is set, so every instance shares health; memory otherwise.
 * ioredis (about 25 MB resident) is imported only when Redis is configured.
 */
async function buildHealthStore(config: GatewayConfig): Promise<HealthStore> {
  const redis: RedisConnection | undefined = (config.redisOptions as RedisConnection | undefined) ?? config.redisUrl;
  if (!redis) return createMemoryHealthStore();
  try {
    const { createRedisHealthStore } = await import('./health/redis-store.ts');
    return createRedisHealthStore({ redis, prefix: config.health.redisPrefix });
  } catch (error) {
    throw new ConfigError(`health: ${(error as Error).message}`);
  }
}

/**
 * Metrics and the dashboard exist only with an admin key: /metrics is served on the gateway's port behind
 * that key (Prometheus sends it as a bearer token), never open. SWITCHYARD_METRICS=off turns metrics off.
 */
function buildTelemetry(config: GatewayConfig): { metrics?: PromMetrics; dashboard?: DashboardRecorder } {
  if (!config.adminKey) return {};
  const dashboard = createDashboardRecorder(systemClock.now);
  if (process.env.SWITCHYARD_METRICS === 'off') return { dashboard };
  const known = [
    ...config.routes.keys(),
    ...config.providers.flatMap((provider) => (provider.defaultModel ? [provider.defaultModel] : [])),
  ];
  return { dashboard, metrics: createPromMetrics({ knownModels: known }) };
}

async function loadTracing(logger: Logger): Promise<TelemetrySink | undefined> {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  const { createOtlpTracer } = await import('./telemetry/traces/otlp-tracer.ts');
  const tracer = createOtlpTracer({
    endpoint,
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'switchyard',
    headers: process.env.OTEL_EXPORTER_OTLP_HEADERS,
    onError: (message: string) => logger.log('warn', 'otlp_export_failed', { message }),
  });
  logger.log('info', 'tracing', { exporter: 'otlp/http+json' });
  return tracer;
}

/**
 * The cache shares the health store's Redis connection settings and prefix. Undefined for the memory store,
 * which the gateway makes itself from the configuration, as on Workers.
 */
async function buildRedisCacheStore(config: GatewayConfig, logger: Logger): Promise<CacheStore | undefined> {
  const redis = (config.redisOptions as RedisConnection | undefined) ?? config.redisUrl;
  if (config.cache.store !== 'redis' || !redis) return undefined;
  // Loaded only when used, like the health store's Redis: a memory-only gateway never loads ioredis.
  const { createRedisCacheStore } = await import('./cache/redis-cache-store.ts');
  let lastLogged = 0;
  return createRedisCacheStore({
    redis,
    prefix: config.health.redisPrefix,
    timeoutMs: config.cache.redisTimeoutMs,
    compressAboveBytes: config.cache.compressAboveBytes,
    // A Redis outage would otherwise log once per request: at most one line every 10 s.
    onError: (message) => {
      if (Date.now() - lastLogged < 10_000) return;
      lastLogged = Date.now();
      logger.log('warn', 'cache_store_unavailable', { message });
    },
  });
}

/** Budgets are fleet-wide with Redis (the health store's connection settings and prefix); else per process. */
async function buildBudgetStore(config: GatewayConfig): Promise<BudgetStore | undefined> {
  const redis = (config.redisOptions as RedisConnection | undefined) ?? config.redisUrl;
  if (!redis) return undefined;
  const { createRedisBudgetStore } = await import('./limits/redis-budget-store.ts');
  return createRedisBudgetStore({ redis, prefix: config.health.redisPrefix });
}

function keyCheckOptions(config: GatewayConfig, gateway: Gateway, logger: Logger): KeyCheckOptions {
  const timeoutMs = config.keyChecks?.timeoutMs ?? DEFAULT_KEY_CHECKS.timeoutMs;
  return {
    board: gateway.keyChecks,
    timeoutMs,
    clock: systemClock,
    logger,
    holdMs: Math.min(START_HOLD_MS, timeoutMs),
  };
}

/**
 * `npm run check` (`node src/node.ts --check`), for deploy pipelines: the start-up key checks once, a table on
 * stdout, exit 1 if a key is bad. Nothing else starts: no server, no Redis, no telemetry.
 */
async function checkKeysAndExit(): Promise<never> {
  let config: GatewayConfig;
  try {
    config = await readConfig();
  } catch (error) {
    refuseToStart(error);
  }
  const quiet = createLogger({ write: () => {} });
  const health = createHealthMonitor({ store: createMemoryHealthStore(), backgroundTimers: false });
  const gateway = createGateway({ config, health, logger: quiet, transport: undiciTransport });
  const reports = await checkKeys(gateway.deps.pools, { ...keyCheckOptions(config, gateway, quiet), holdMs: 0 });
  const { text, failed } = formatKeyChecks(reports);
  console.log(text);
  process.exit(failed ? 1 : 0);
}

async function main(): Promise<void> {
  if (process.argv.slice(2).includes('--check')) await checkKeysAndExit();
  let config: GatewayConfig;
  let logger: Logger;
  let store: HealthStore;
  let telemetry: ReturnType<typeof buildTelemetry>;
  let tracing: TelemetrySink | undefined;
  try {
    config = await readConfig();
    logger = createLogger({ level: config.logLevel });
    telemetry = buildTelemetry(config);
    tracing = await loadTracing(logger);
    store = await buildHealthStore(config);
  } catch (error) {
    refuseToStart(error);
  }
  const redisCacheStore = await buildRedisCacheStore(config, logger);
  const budgetStore = await buildBudgetStore(config);
  let parts: GatewayParts;
  try {
    parts = buildGatewayParts({
      config,
      logger,
      store,
      ...(redisCacheStore ? { cacheStore: redisCacheStore } : {}),
      ...(budgetStore ? { budgetStore } : {}),
      transport: undiciTransport,
      drive: 'timers',
      telemetry: [...(telemetry.metrics ? [telemetry.metrics.sink] : []), ...(tracing ? [tracing] : [])],
      ...(telemetry.metrics ? { metrics: telemetry.metrics } : {}),
      ...(telemetry.dashboard ? { dashboard: telemetry.dashboard } : {}),
    });
  } catch (error) {
    refuseToStart(error);
  }
  const { gateway, health } = parts;
  const { cacheStore } = gateway;
  if (config.keyChecks?.enabled !== false) {
    // Before listening, so that a request arriving first waits for its key's check (START_HOLD_MS at most).
    const options = keyCheckOptions(config, gateway, logger);
    void checkKeys(gateway.deps.pools, options);
    setInterval(() => void recheckBadKeys(gateway.deps.pools, options), 60_000).unref();
  }
  telemetry.metrics?.observe({
    health: gateway.deps.health,
    pools: gateway.deps.pools,
    budget: gateway.deps.budget,
    report: () => health.report(),
  });

  if (config.hostNote) logger.log('warn', 'host_overridden', { message: config.hostNote });

  const { headersTimeoutMs, requestTimeoutMs } = config.inbound;
  const serverOptions = {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    // Node checks those timeouts on this interval (default 30 s, which would add up to 30 s to each).
    connectionsCheckingInterval: Math.min(1000, headersTimeoutMs),
  };
  const server = serve(
    { fetch: gateway.app.fetch, port: config.port, hostname: config.host, serverOptions },
    (info) => {
      logger.log('info', 'listening', {
        url: `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`,
        providers: config.providers.map(
          (provider) => `${provider.name}(${provider.apiKeys.length} key${provider.apiKeys.length === 1 ? '' : 's'})`,
        ),
        routes: [...config.routes.keys()],
        health_store: health.storeStatus().store,
        budgets: gateway.limits.status().store,
        cache:
          config.cache.enabled || [...config.routes.values()].some((route) => route.cache.enabled)
            ? cacheStore.kind
            : 'per-request',
        authenticated: config.apiKeys.length > 0,
      });
    },
  );

  server.on('clientError', (error: Error & { code?: string }, socket: Socket) =>
    answerClientError(error, socket, config.inbound),
  );
  server.on('error', (error: NodeJS.ErrnoException) => {
    // HOST is not echoed: like any variable it may hold a pasted key.
    console.error(
      `switchyard: configuration error: cannot listen on port ${config.port} of HOST: ${error.code ?? error.name}`,
    );
    process.exit(1);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log('info', 'shutting_down', { signal, grace_ms: SHUTDOWN_GRACE_MS });
    const force = setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      void Promise.allSettled([health.close(), cacheStore.close(), gateway.limits.close()]).finally(() => {
        logger.log('info', 'stopped', {});
        process.exit(0);
      });
    });
    // Connections become idle as their last response ends; close them then rather than at keep-alive expiry.
    if ('closeIdleConnections' in server) {
      server.closeIdleConnections();
      setInterval(() => server.closeIdleConnections(), 100).unref();
    }
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
