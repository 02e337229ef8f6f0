/**
 * Cloudflare Workers entry: the same core as on Node. Configuration comes from the Worker's environment
 * bindings (vars and secrets, same names as the Node environment variables); there is no config file.
 * Health is kept per isolate in memory for now: shared health on Workers (a Durable Object store) is the
 * next step, see README "Running on Cloudflare Workers".
 */
import { loadConfig, type Env } from './config/load-config.ts';
import { createGateway, type Gateway } from './gateway.ts';
import { createHealthMonitor } from './health/health-monitor.ts';
import { createLogger } from './telemetry/logger.ts';
import { createMemoryCacheStore } from './cache/memory-cache-store.ts';
import { PROVIDER_NAMES } from '../providers/registry.ts';

let gateway: Gateway | undefined;

function stringBindings(env: Record<string, unknown>): Env {
  const out: Env = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') out[name] = value;
  return out;
}

export default {
  fetch(request: Request, env: Record<string, unknown>): Response | Promise<Response> {
    if (!gateway) {
      const config = loadConfig(stringBindings(env), undefined, PROVIDER_NAMES);
      const logger = createLogger();
      // Per-isolate memory health: each isolate routes on what it has seen itself.
      const health = createHealthMonitor({ logger: ({ level, event, ...fields }) => logger.log(level, event, fields) });
      // Per-isolate memory cache (a Durable Object store would share it); Redis is not reachable per request here.
      const cacheStore = createMemoryCacheStore({ maxBytes: config.cache.maxBytes });
      gateway = createGateway({ config, health, logger, cacheStore });
    }
    return gateway.app.fetch(request);
  },
};
