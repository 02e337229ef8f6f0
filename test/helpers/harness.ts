/**
 * Starts the three loopback mock providers and a real gateway in front of them (on a real loopback port, so
 * official client SDKs can talk to it), with a memory logger to assert on log lines.
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { startAnthropicMock } from '../../mocks/anthropic-mock.ts';
import { startGeminiMock } from '../../mocks/gemini-mock.ts';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { startOpenAIMock } from '../../mocks/openai-mock.ts';
import type { HttpTransport } from '../../providers/shared/http-transport.ts';
import type { CacheStore } from '../../src/cache/cache-store.ts';
import { type Clock, systemClock } from '../../src/clock.ts';
import type { Env } from '../../src/config/load-config.ts';
import { loadConfig } from '../../src/config/parse-config-file.ts';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.ts';
import type { HealthMonitor } from '../../src/health/types.ts';
import type { BudgetStore } from '../../src/limits/budget-store.ts';
import { createDashboardRecorder, type DashboardRecorder } from '../../src/telemetry/dashboard-recorder.ts';
import { createPromMetrics, type PromMetrics } from '../../src/telemetry/metrics/prom-client-metrics.ts';
import type { TelemetrySink } from '../../src/telemetry/telemetry-sink.ts';
import { createMemoryLogger, silentLogger } from '../support/memory-logger.ts';
import { createTestHealth } from './test-health.ts';

/** The admin key of harnesses started with `telemetry`. */
export const ADMIN_KEY = 'admin-key-for-tests-0123456789';

/** Provider keys used by every e2e test; tests assert none of them ever reaches a client or a log line. */
export const SECRET_KEYS = {
  openai: 'sk-proj-SECRETopenaiKEY0123456789abcd',
  anthropic: 'sk-ant-api03-SECRETanthropicKEY0123456789',
  gemini: 'AIzaSECRETgeminiKEY0123456789abcdefgh',
};

export interface Harness {
  openai: MockUpstream;
  anthropic: MockUpstream;
  gemini: MockUpstream;
  mocks: MockUpstream[];
  gateway: Gateway;
  health: HealthMonitor;
  /** With `telemetry`: what node.ts wires (Prometheus metrics, the dashboard recorder). */
  metrics?: PromMetrics;
  dashboard?: DashboardRecorder;
  logs: Array<Record<string, unknown>>;
  /** Base URL for OpenAI-compatible clients, e.g. http://127.0.0.1:PORT/v1 */
  baseURL: string;
  url: string;
  /** Heal every mock, forget recorded requests and logs, and give every provider fresh health. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Env;
  configText?: string;
  clock?: Clock;
  health?: HealthMonitor;
  random?: () => number;
  /** Start without these providers' keys. */
  without?: Array<'openai' | 'anthropic' | 'gemini'>;
  /** The response cache's store (memory by default); closed with the harness. */
  cacheStore?: CacheStore;
  /** Put this gateway in front of another harness's mocks (a second instance); they are not closed with it. */
  shareMocksWith?: Harness;
  /** Wire metrics and the dashboard as src/node.ts does (sets the admin key to ADMIN_KEY); extra sinks too. */
  telemetry?: boolean | { sinks?: TelemetrySink[] };
  /** Provider factories instead of the registry's (to wrap a real provider). */
  providers?: GatewayOptions['providers'];
  /** The passthrough's HTTP transport (default: the runtime's fetch; `npm start` uses undici). */
  transport?: HttpTransport;
  /** Fleet-wide budgets (a Redis budget store); closed with the harness. */
  budgetStore?: BudgetStore;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const shared = options.shareMocksWith;
  const [openai, anthropic, gemini] = shared
    ? [shared.openai, shared.anthropic, shared.gemini]
    : await Promise.all([startOpenAIMock(), startAnthropicMock(), startGeminiMock()]);
  const without = new Set(options.without ?? []);
  const env: Env = {
    ...(without.has('openai') ? {} : { OPENAI_API_KEY: SECRET_KEYS.openai, OPENAI_BASE_URL: `${openai.url}/v1` }),
    ...(without.has('anthropic')
      ? {}
      : { ANTHROPIC_API_KEY: SECRET_KEYS.anthropic, ANTHROPIC_BASE_URL: anthropic.url }),
    ...(without.has('gemini') ? {} : { GEMINI_API_KEY: SECRET_KEYS.gemini, GEMINI_BASE_URL: gemini.url }),
    ...(options.telemetry ? { SWITCHYARD_ADMIN_KEY: ADMIN_KEY } : {}),
    ...options.env,
  };
  const config = loadConfig(env, options.configText ? { text: options.configText, path: 'test.yaml' } : undefined);
  const clock = options.clock ?? systemClock;
  const logger = createMemoryLogger();
  const dashboard = options.telemetry ? createDashboardRecorder(() => clock.now()) : undefined;
  const metrics = options.telemetry ? createPromMetrics({ knownModels: config.routes.keys() }) : undefined;
  const testHealth = options.health
    ? undefined
    : createTestHealth(clock, silentLogger, dashboard ? { onAlert: (alert) => dashboard.alert?.(alert) } : {});
  const health = options.health ?? testHealth!;
  const extraSinks = typeof options.telemetry === 'object' ? (options.telemetry.sinks ?? []) : [];
  const gateway = createGateway({
    config,
    health,
    clock,
    logger,
    ...(options.random ? { random: options.random } : {}),
    ...(options.providers ? { providers: options.providers } : {}),
    ...(options.cacheStore ? { cacheStore: options.cacheStore } : {}),
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.budgetStore ? { budgetStore: options.budgetStore } : {}),
    ...(dashboard && metrics
      ? {
          dashboard,
          metrics,
          telemetry: [metrics.sink, ...extraSinks],
          ...(testHealth ? { healthReport: () => testHealth.report() } : {}),
        }
      : {}),
  });
  metrics?.observe({
    health: gateway.deps.health,
    pools: gateway.deps.pools,
    budget: gateway.deps.budget,
    ...(testHealth ? { report: () => testHealth.report() } : {}),
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: gateway.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const mocks = [openai, anthropic, gemini];
  return {
    openai,
    anthropic,
    gemini,
    mocks,
    gateway,
    health,
    ...(metrics ? { metrics } : {}),
    ...(dashboard ? { dashboard } : {}),
    logs: logger.lines,
    url,
    baseURL: `${url}/v1`,
    async reset() {
      for (const mock of mocks) mock.reset();
      gateway.limits.forget();
      for (const name of ['openai', 'anthropic', 'gemini']) await health.restore(name);
      logger.lines.length = 0;
    },
    async close() {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await health.close();
      await gateway.cacheStore.close();
      await gateway.limits.close();
      if (!shared) await Promise.all(mocks.map((mock) => mock.close()));
    },
  };
}

/** Fails the test if any provider key appears in `text`, whole or as a fragment a mask would keep. */
export function assertNoSecrets(text: string, where: string): void {
  for (const secret of Object.values(SECRET_KEYS)) {
    for (const fragment of [secret, secret.slice(-8), secret.slice(0, 14)]) {
      if (text.includes(fragment)) throw new Error(`${where} leaks a provider key fragment: ${fragment}`);
    }
  }
}

/** Polls until `condition` holds (for asserting on things that happen on the far side of a socket). */
export async function eventually(
  condition: () => boolean,
  timeoutMs = 2000,
  what = 'condition',
  /** Something to do between checks, e.g. keep traffic flowing. */
  between?: () => Promise<void>,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    if (between) await between();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
