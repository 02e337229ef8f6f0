/**
 * Cloudflare Workers entry: the same core as on Node. Configuration comes from the Worker's environment
 * bindings (vars and secrets, same names as the Node environment variables); there is no config file.
 *
 * Health is shared through the SwitchyardState Durable Object (binding SWITCHYARD_STATE) when it is bound,
 * per isolate in memory otherwise (and /health says so). Isolates have no timers between requests, so the
 * health cycle is driven by requests, and the work a request started is handed to `ctx.waitUntil` so it
 * finishes after the response; so do the key checks, which an isolate's first request starts. Without
 * GATEWAY_API_KEYS the Worker answers /v1/* with 401: unlike Node, it is reachable from anywhere. A
 * configuration error is answered on every request, naming the variable.
 */
import {
  DurableObject,
  type DurableObjectState,
  type ExecutionContext,
  env as globalBindings,
} from 'cloudflare:workers';
import { PROVIDER_NAMES, providerRegistry } from '../providers/registry.ts';
import { systemClock } from './clock.ts';
import { buildGatewayParts, type GatewayParts, healthOptionsFrom } from './config/build-gateway-parts.ts';
import { type ConfigOutcome, configFromBindings } from './config/config-from-bindings.ts';
import { ConfigError } from './config/load-config.ts';
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

type Started = GatewayParts | { error: ConfigError };

function isBindings(value: unknown): value is Bindings {
  return typeof value === 'object' && value !== null;
}

function isNamespace(value: unknown): value is StateNamespace<HealthObjectRpc> {
  return typeof value === 'object' && value !== null && 'idFromName' in value && 'get' in value;
}

/**
 * The configuration, read once per isolate. The runtime offers the bindings in the global scope too, so
 * it is read there (and SWITCHYARD_CONFIG_YAML parsed and checked): that is the isolate's start-up, which
 * Workers limit on its own (1 s), not its first request's CPU. The rest waits for the first request: the
 * global scope has no clock (Date.now() is 0 there) and may not make random values or I/O.
 */
let configuring: Promise<ConfigOutcome> | undefined = isBindings(globalBindings)
  ? configFromBindings(globalBindings, PROVIDER_NAMES)
  : undefined;
/** The gateway, built at the isolate's first request. */
let starting: Promise<Started> | undefined;

function configOf(env: Bindings): Promise<ConfigOutcome> {
  configuring ??= configFromBindings(env, PROVIDER_NAMES);
  return configuring;
}

/** Logged once per isolate; every request then gets the same answer. */
function configFailed(error: ConfigError): Started {
  createLogger().log('error', 'configuration_error', { message: error.message });
  return { error };
}

async function start(env: Bindings): Promise<Started> {
  const outcome = await configOf(env);
  if ('error' in outcome) return configFailed(outcome.error);
  const { config } = outcome;
  const namespace = env[STATE_BINDING];
  const notices: string[] = [];
  if (!isNamespace(namespace)) {
    notices.push(
      `No ${STATE_BINDING} Durable Object binding: health is kept per isolate in memory, not shared (see wrangler.toml).`,
    );
  }
  let parts: GatewayParts;
  try {
    parts = buildGatewayParts({
      config,
      store: isNamespace(namespace) ? createDurableHealthStore({ namespace }) : createMemoryHealthStore(),
      drive: 'requests',
      notices,
      requireGatewayKeys: true,
      flushIntervalMs: FLUSH_INTERVAL_MS,
      // A new isolate's first request is usually a passthrough: the Anthropic and Gemini SDKs are evaluated
      // at the first call to them, not in every isolate's first request.
      providers: providerRegistry('on-first-call'),
      linearRouter: true,
    });
  } catch (error) {
    // A health setting the monitor refuses.
    if (error instanceof ConfigError) return configFailed(error);
    throw error;
  }
  for (const message of notices) parts.logger.log('warn', 'no_state_binding', { message });
  return parts;
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
    starting ??= start(env);
    const started = await starting;
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
  #health!: HealthObject;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // No call reaches the object before this has run (the configuration may still be being read).
    void ctx.blockConcurrencyWhile(async () => {
      const outcome = await configOf(env);
      // With a configuration error the isolates answer it; the object keeps working on default thresholds.
      const options =
        'config' in outcome ? healthOptionsFrom(outcome.config, createLogger({ level: outcome.config.logLevel })) : {};
      this.#health = createHealthObject(ctx.storage.sql, options);
    });
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
