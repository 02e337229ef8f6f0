/**
 * Cloudflare Workers entry: the same core as on Node. Configuration comes from the Worker's environment
 * bindings (vars and secrets, same names as the Node environment variables); there is no config file.
 *
 * Health is shared through the SwitchyardState Durable Object (binding SWITCHYARD_STATE) when it is bound,
 * per isolate in memory otherwise (and /health says so). Isolates have no timers between requests, so the
 * health cycle is driven by requests, and the work a request started is handed to `ctx.waitUntil` so it
 * finishes after the response; so do the key checks, which an isolate's first request starts. Without
 * GATEWAY_API_KEYS the Worker answers /v1/* with 401: unlike Node, it is reachable from anywhere. A configuration error is answered on every request, naming the variable.
 */
import { DurableObject, type DurableObjectState, type ExecutionContext } from 'cloudflare:workers';
import { PROVIDER_NAMES } from '../providers/registry.ts';
import { systemClock } from './clock.ts';
import { buildGatewayParts, type GatewayParts, healthOptionsFrom } from './config/build-gateway-parts.ts';
import { ConfigError, type Env, type GatewayConfig } from './config/load-config.ts';
import { loadConfig } from './config/parse-config-file.ts';
import { DEFAULT_KEY_CHECKS } from './config/resolve-checks.ts';
import { createHealthObject, type HealthObject } from './health/durable-health-object.ts';
import { createDurableHealthStore, type HealthObjectRpc, type StateNamespace } from './health/durable-store.ts';
import type { HealthRecord } from './health/health-record.ts';
import type { SyncRequest } from './health/health-store.ts';
import { createMemoryHealthStore } from './health/memory-store.ts';
import { checkKeys, recheckBadKeys } from './limits/check-keys.ts';
import { createLogger } from './telemetry/logger.ts';

/** The Durable Object binding's name in wrangler.toml. */
const STATE_BINDING = 'SWITCHYARD_STATE';
/** On Workers every health cycle is a request to the object: at most one a second per busy isolate. */
const FLUSH_INTERVAL_MS = 1000;

type Bindings = Record<string, unknown>;

let started: GatewayParts | { error: ConfigError } | undefined;

function stringBindings(env: Bindings): Env {
  const out: Env = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') out[name] = value;
  return out;
}

function isNamespace(value: unknown): value is StateNamespace<HealthObjectRpc> {
  return typeof value === 'object' && value !== null && 'idFromName' in value && 'get' in value;
}

/** Workers have no file system: the config file's YAML or JSON text may come in this variable instead. */
const CONFIG_VAR = 'SWITCHYARD_CONFIG_YAML';

function configFrom(vars: Env): GatewayConfig {
  const text = vars[CONFIG_VAR];
  return loadConfig(vars, text?.trim() ? { text, path: CONFIG_VAR } : undefined, PROVIDER_NAMES);
}

function start(env: Bindings): GatewayParts | { error: ConfigError } {
  const vars = stringBindings(env);
  try {
    const config = configFrom(vars);
    const namespace = env[STATE_BINDING];
    const notices: string[] = [];
    if (!isNamespace(namespace)) {
      notices.push(
        `No ${STATE_BINDING} Durable Object binding: health is kept per isolate in memory, not shared (see wrangler.toml).`,
      );
    }
    const parts = buildGatewayParts({
      config,
      store: isNamespace(namespace) ? createDurableHealthStore({ namespace }) : createMemoryHealthStore(),
      drive: 'requests',
      notices,
      requireGatewayKeys: true,
      flushIntervalMs: FLUSH_INTERVAL_MS,
    });
    for (const message of notices) parts.logger.log('warn', 'no_state_binding', { message });
    return parts;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Logged once per isolate; every request then gets the same answer.
    createLogger().log('error', 'configuration_error', { message: error.message });
    return { error };
  }
}

let keysChecked = false;

/**
 * Key checks on Workers: an isolate has no start-up outside a request, so its first request starts them, in
 * `ctx.waitUntil` (the request itself does not wait: holding every new isolate's first request for a round
 * trip would cost more than the rare request that meets a bad key first, which routing fails over anyway).
 * Later requests re-check keys found bad once RECHECK_MS has passed (usually a no-op).
 */
function runKeyChecks(parts: GatewayParts): Promise<unknown> {
  const config = parts.gateway.deps.config;
  if (config.keyChecks?.enabled === false) return Promise.resolve();
  const options = {
    board: parts.gateway.keyChecks,
    timeoutMs: config.keyChecks?.timeoutMs ?? DEFAULT_KEY_CHECKS.timeoutMs,
    clock: systemClock,
    logger: parts.logger,
  };
  if (keysChecked) return recheckBadKeys(parts.gateway.deps.pools, options);
  keysChecked = true;
  return checkKeys(parts.gateway.deps.pools, options);
}

function configErrorResponse(error: ConfigError): Response {
  const body = {
    error: {
      message: `Gateway configuration error: ${error.message}`,
      type: 'server_error',
      param: null,
      code: 'configuration_error',
    },
  };
  return new Response(JSON.stringify(body), {
    status: 500,
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false' },
  });
}

/** Hands the health work a streamed response starts (its outcome is recorded at the end) to waitUntil. */
function settleAfterBody(response: Response, ctx: ExecutionContext, parts: GatewayParts): Response {
  if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) return response;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      flush() {
        ctx.waitUntil(parts.health.idle());
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    started ??= start(env);
    if ('error' in started) return configErrorResponse(started.error);
    const parts = started;
    ctx.waitUntil(runKeyChecks(parts));
    const response = await parts.gateway.app.fetch(request, env, ctx);
    ctx.waitUntil(parts.health.idle());
    return settleAfterBody(response, ctx, parts);
  },
};

/**
 * The gateway's shared state on Workers. One object per concern and shard, addressed by name: health uses
 * the object "health"; rate-limit budgets and the cache are meant to add their own `budget*` / `cache*`
 * methods and objects (e.g. one per key pool) on this same class, with the same pattern: isolates keep a
 * local view, send batched changes, and the object computes the shared answer and runs periodic work on its
 * alarm. Storage is SQLite (see the migration in wrangler.toml).
 */
export class SwitchyardState extends DurableObject<Bindings> implements HealthObjectRpc {
  #health: HealthObject;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    const vars = stringBindings(env);
    let options = {};
    try {
      const config = configFrom(vars);
      options = healthOptionsFrom(config, createLogger({ level: config.logLevel }));
    } catch {
      // The isolates report the configuration error; the object keeps working on default thresholds.
    }
    this.#health = createHealthObject(ctx.storage.sql, options);
  }

  async #ensureAlarm(): Promise<void> {
    if (!this.#health.wantsAlarm()) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS);
  }

  async healthSync(request: SyncRequest) {
    const result = await this.#health.healthSync(request);
    if (request.batch.size > 0) await this.#ensureAlarm();
    return result;
  }

  async healthCompareAndSet(expectedVersion: number, next: HealthRecord) {
    const result = await this.#health.healthCompareAndSet(expectedVersion, next);
    await this.#ensureAlarm();
    return result;
  }

  healthResetWindows(provider: string): Promise<void> {
    return this.#health.healthResetWindows(provider);
  }

  healthClaim(key: string, ttlMs: number, now: number): Promise<boolean> {
    return this.#health.healthClaim(key, ttlMs, now);
  }

  override async alarm(): Promise<void> {
    const next = await this.#health.alarm(Date.now());
    if (next !== undefined) await this.ctx.storage.setAlarm(next);
  }
}
