/**
 * Node entry (`npm start`): configuration from the environment and SWITCHYARD_CONFIG, the health store
 * (Redis when REDIS_URL is set, memory otherwise), @hono/node-server, and a graceful shutdown that lets
 * in-flight requests and streams finish.
 */
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { ConfigError, loadConfig, type GatewayConfig } from './config/load-config.ts';
import { createGateway } from './gateway.ts';
import { undiciTransport } from './transport/undici-transport.ts';
import { createLogger, type LogLevel } from './telemetry/logger.ts';
import { createConfiguredHealthMonitor, type HealthStoreConfig } from './health/redis-health-monitor.ts';
import type { RedisConnection } from './health/redis-store.ts';
import type { BackgroundHealthMonitor } from './health/health-monitor.ts';
import type { Logger } from './telemetry/logger.ts';
import { PROVIDER_NAMES } from '../providers/registry.ts';

const SHUTDOWN_GRACE_MS = 10_000;

function readConfig(): GatewayConfig {
  const path = process.env.SWITCHYARD_CONFIG;
  let file: { text: string; path: string } | undefined;
  if (path) {
    try {
      file = { text: readFileSync(path, 'utf8'), path };
    } catch (error) {
      throw new ConfigError(`SWITCHYARD_CONFIG: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return loadConfig(process.env, file, PROVIDER_NAMES);
}

/** Redis when REDIS_URL (or `redis:` options) is set, so every instance shares health; memory otherwise. */
function buildHealth(config: GatewayConfig, logger: Logger): BackgroundHealthMonitor {
  const redis: RedisConnection | undefined = (config.redisOptions as RedisConnection | undefined) ?? config.redisUrl;
  const store: HealthStoreConfig = redis ? { store: 'redis', redis, prefix: config.health.redisPrefix } : { store: 'memory' };
  try {
    return createConfiguredHealthMonitor(store, {
      thresholds: config.health.thresholds,
      probe: config.health.probe,
      windows: config.health.windows,
      ...(config.health.webhookUrl ? { webhookUrl: config.health.webhookUrl } : {}),
      logger: ({ level, event, ...fields }) => logger.log(level, event, fields),
    });
  } catch (error) {
    throw new ConfigError(`health: ${(error as Error).message}`);
  }
}

function main(): void {
  const logger = createLogger({ level: (process.env.SWITCHYARD_LOG_LEVEL as LogLevel | undefined) ?? 'info' });
  let config: GatewayConfig;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`switchyard: configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  let health: BackgroundHealthMonitor;
  try {
    health = buildHealth(config, logger);
  } catch (error) {
    console.error(`switchyard: configuration error: ${(error as Error).message}`);
    process.exit(1);
  }
  const gateway = createGateway({ config, health, logger, transport: undiciTransport, healthReport: () => health.report() });

  if (config.providers.length === 0) {
    logger.log('warn', 'no_providers', { message: 'No provider key is set (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY): every chat request will fail with 503.' });
  }
  if (config.apiKeys.length === 0) {
    logger.log('warn', 'unauthenticated', { message: 'GATEWAY_API_KEYS is not set: any local process can use the provider keys. Listening on loopback only.' });
  }
  if (config.hostNote) logger.log('warn', 'host_overridden', { message: config.hostNote });

  const server = serve({ fetch: gateway.app.fetch, port: config.port, hostname: config.host }, (info) => {
    logger.log('info', 'listening', {
      url: `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`,
      providers: config.providers.map((provider) => `${provider.name}(${provider.apiKeys.length} key${provider.apiKeys.length === 1 ? '' : 's'})`),
      routes: [...config.routes.keys()],
      health_store: health.storeStatus().store,
      authenticated: config.apiKeys.length > 0,
    });
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
      void health.close().finally(() => {
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

main();
