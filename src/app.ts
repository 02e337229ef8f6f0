/**
 * createApp(deps): the Hono app — routes, auth and the error shape. No I/O of its own: providers, health
 * store, clock and logger come in through `deps`, so the same app runs on Node, on Workers and in tests.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { LinearRouter } from 'hono/router/linear-router';
import type { ResponseCache } from './cache/serve-cached.ts';
import type { GatewayConfig } from './config/load-config.ts';
import { GatewayError } from './gateway-error.ts';
import type { HealthReport } from './health/health-report.ts';
import type { HealthMonitor } from './health/types.ts';
import { bearerToken, createKeyChecker, requireApiKey } from './http/auth.ts';
import { createChatHandler } from './http/chat-handler.ts';
import { requireJson } from './http/require-json.ts';
import { newRequestId } from './http/response-headers.ts';
import type { KeyPool } from './limits/key-pool.ts';
import type { KeyLimitsStatus } from './limits/limits.ts';
import type { EngineDeps } from './routing/execute.ts';
import { dashboardData } from './telemetry/dashboard-data.ts';
import { DASHBOARD_HTML } from './telemetry/dashboard-page.ts';
import type { DashboardRecorder } from './telemetry/dashboard-recorder.ts';
import type { TelemetrySink } from './telemetry/telemetry-sink.ts';

export interface AppDeps extends EngineDeps {
  config: GatewayConfig;
  pools: ReadonlyMap<string, KeyPool>;
  health: HealthMonitor;
  /** Every provider the gateway knows, configured or not (for /health). */
  knownProviders: readonly string[];
  /** Extra admin data (windows, thresholds) from the health subsystem. */
  healthReport?: () => unknown;
  /** Gateway-wide warnings shown in /health (a missing binding, no gateway keys...). */
  notices?: string[];
  /** Without gateway keys, answer /v1/* with 401 instead of serving anyone (the Worker's default). */
  requireGatewayKeys?: boolean;
  /** Where request events go (metrics, dashboard, traces); attempts reach it through the health tap. */
  telemetry?: TelemetrySink;
  /** The Prometheus exposition for GET /metrics (admin key); absent → 404 (e.g. on Workers). */
  metrics?: { contentType: string; text(): Promise<string> };
  /** Recent traffic, latency and alerts for /dashboard. */
  dashboard?: DashboardRecorder;
  /** The exact-match response cache; without it every request goes to routing. */
  cache?: ResponseCache;
  /**
   * Match routes with Hono's LinearRouter, which has no build step. The default (RegExpRouter) builds its
   * matcher at the first request: a few milliseconds that a Worker pays in every new isolate's first request,
   * against about 2 µs more per match for this app's routes (0.05 → 1.7 µs on Node).
   */
  linearRouter?: boolean;
}

const NO_GATEWAY_KEYS =
  'GATEWAY_API_KEYS is not set: this gateway refuses /v1/* requests until it is (wrangler secret put GATEWAY_API_KEYS).';

/** Large enough for a conversation with a few images as data URLs; larger bodies get a clear 413. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function createApp(deps: AppDeps): Hono {
  const app = new Hono(deps.linearRouter ? { router: new LinearRouter() } : {});
  const { config } = deps;
  const refuseAll = deps.requireGatewayKeys === true && config.apiKeys.length === 0;
  const notices = [...(deps.notices ?? []), ...(refuseAll ? [NO_GATEWAY_KEYS] : [])];

  app.onError(function renderError(error, c) {
    if (error instanceof GatewayError) {
      return c.json(error.toBody(), error.status as 400, error.headers);
    }
    const id = newRequestId();
    deps.logger.log('error', 'unhandled_error', {
      request_id: id,
      message: error.message,
      name: error.name,
      stack: error.stack,
    });
    return c.json(
      {
        error: {
          message: `The gateway hit an internal error (request id ${id}).`,
          type: 'server_error',
          param: null,
          code: 'internal_error',
        },
      },
      500,
      { 'x-should-retry': 'false', 'x-request-id': id },
    );
  });

  app.notFound(function notFound(c) {
    return c.json(
      {
        error: {
          message: `Unknown endpoint: ${c.req.method} ${c.req.path}`,
          type: 'invalid_request_error',
          param: null,
          code: 'unknown_url',
        },
      },
      404,
    );
  });

  app.get('/health', function health(c) {
    const store = deps.health.storeStatus();
    // The store's error is for the admin: it names hosts and ports.
    const { lastError: _hidden, ...budgets } = deps.limits.status();
    const providers = deps.knownProviders.map((name) => {
      const pool = deps.pools.get(name);
      if (!pool) return { name, configured: false };
      const health = deps.health.get(name);
      return {
        name,
        configured: true,
        state: health.state,
        score: Math.round(health.score * 1000) / 1000,
        ...(health.reason ? { reason: health.reason } : {}),
        keys: pool.status().map(({ id, state, check }) => {
          const limits = deps.limits.keyStatus(id, name);
          return {
            id,
            state,
            ...(check ? { check: check.state } : {}),
            ...(limitsWorthShowing(limits) ? { limits } : {}),
          };
        }),
      };
    });
    return c.json({
      status: store.degraded || budgets.degraded ? 'degraded' : 'ok',
      store: { type: store.store, degraded: store.degraded },
      budgets,
      providers,
      ...(notices.length ? { warnings: notices } : {}),
    });
  });

  const v1 = new Hono();
  if (config.apiKeys.length > 0) v1.use('*', requireApiKey(config.apiKeys));
  else if (refuseAll) {
    v1.use('*', async function refuseWithoutGatewayKeys() {
      throw new GatewayError({
        status: 401,
        type: 'invalid_request_error',
        code: 'gateway_keys_not_configured',
        message: NO_GATEWAY_KEYS,
      });
    });
  }
  v1.post(
    '/chat/completions',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new GatewayError({
          status: 413,
          type: 'invalid_request_error',
          code: 'request_too_large',
          message: `The request body exceeds ${MAX_BODY_BYTES} bytes.`,
        });
      },
    }),
    requireJson(),
    createChatHandler(deps, deps.cache, deps.telemetry),
  );
  v1.get('/models', function listModels(c) {
    const created = Math.floor(Date.UTC(2026, 0, 1) / 1000);
    const seen = new Map<string, string>();
    for (const route of config.routes.values()) seen.set(route.name, 'switchyard');
    for (const [name, pool] of deps.pools)
      if (pool.defaultModel && !seen.has(pool.defaultModel)) seen.set(pool.defaultModel, name);
    return c.json({
      object: 'list',
      data: [...seen].map(([id, owner]) => ({ id, object: 'model', created, owned_by: owner })),
    });
  });
  app.route('/v1', v1);

  if (config.adminKey) mountAdmin(app, deps, config.adminKey);
  return app;
}

/** A key without budgets, learned limits or traffic shows no limits in `/health` (`/admin/health` shows all). */
function limitsWorthShowing(limits: KeyLimitsStatus): boolean {
  return (
    limits.inFlight > 0 ||
    limits.waiting > 0 ||
    limits.maxConcurrency !== undefined ||
    limits.budgets !== undefined ||
    limits.learned !== undefined
  );
}

function mountAdmin(app: Hono, deps: AppDeps, adminKey: string): void {
  const check = createKeyChecker([adminKey]);
  const admin = new Hono();
  admin.use('*', async function requireAdminKey(c, next) {
    if (!(await check(bearerToken(c.req.header('authorization'))))) {
      throw new GatewayError({
        status: 401,
        type: 'invalid_request_error',
        code: 'invalid_admin_key',
        message: 'This endpoint needs the admin key.',
      });
    }
    await next();
  });
  admin.get('/health', function adminHealth(c) {
    return c.json({
      providers: deps.health.all(),
      store: deps.health.storeStatus(),
      keys: Object.fromEntries(
        [...deps.pools].map(([name, pool]) => [
          name,
          pool.status().map((key) => ({ ...key, limits: deps.limits.keyStatus(key.id, name) })),
        ]),
      ),
      budgets: deps.limits.status(),
      ...(deps.healthReport ? { report: deps.healthReport() } : {}),
    });
  });
  const known = (name: string) => {
    if (!deps.pools.has(name)) {
      throw new GatewayError({
        status: 404,
        type: 'invalid_request_error',
        code: 'unknown_provider',
        message: `No configured provider named "${name}".`,
      });
    }
  };
  admin.post('/providers/:name/drain', async function drain(c) {
    const name = c.req.param('name');
    known(name);
    await deps.health.drain(name);
    deps.logger.log('warn', 'provider_drained', { alert: true, provider: name });
    return c.json(deps.health.get(name));
  });
  admin.post('/providers/:name/restore', async function restore(c) {
    const name = c.req.param('name');
    known(name);
    await deps.health.restore(name);
    deps.logger.log('warn', 'provider_restored', { alert: true, provider: name });
    return c.json(deps.health.get(name));
  });
  if (deps.dashboard) {
    const recorder = deps.dashboard;
    admin.get('/dashboard.json', function dashboardJson(c) {
      const at = deps.clock.now();
      const report = deps.healthReport?.() as HealthReport | undefined;
      return c.json(
        dashboardData({
          at,
          store: deps.health.storeStatus(),
          providers: deps.health.all(),
          ...(report ? { report } : {}),
          keys: new Map([...deps.pools].map(([name, pool]) => [name, pool.status()])),
          activity: recorder.activity(at),
        }),
        200,
        { 'cache-control': 'no-store' },
      );
    });
    // The page carries no data and no key; it asks for the admin key and reads /admin/dashboard.json.
    app.get('/dashboard', function dashboardPage(c) {
      return c.html(DASHBOARD_HTML, 200, {
        'cache-control': 'no-store',
        'content-security-policy':
          "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'",
      });
    });
  }
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.get('/metrics', async function prometheusMetrics(c) {
      if (!(await check(bearerToken(c.req.header('authorization'))))) {
        throw new GatewayError({
          status: 401,
          type: 'invalid_request_error',
          code: 'invalid_admin_key',
          message: 'This endpoint needs the admin key.',
        });
      }
      return new Response(await metrics.text(), { status: 200, headers: { 'content-type': metrics.contentType } });
    });
  }
  app.route('/admin', admin);
}
