/**
 * Prometheus metrics with prom-client, fed by the telemetry events (never by parsing logs). Counters and
 * histograms move on every attempt and request; provider state, score, windows, thresholds, keys, retry
 * budget and the health store are read from the gateway's own state when Prometheus scrapes. Node only:
 * wired from src/node.ts (prom-client is a Node library), so the Worker bundle never contains it.
 * Every series is listed in ./README.md.
 *
 * One file past ~300 lines on purpose: the series are declared side by side so their names, labels and
 * buckets can be read (and reviewed against the README) in one place.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthReport } from '../../health/health-report.ts';
import type { HealthMonitor } from '../../health/types.ts';
import type { KeyPool } from '../../limits/key-pool.ts';
import type { RetryBudget } from '../../routing/retry-budget.ts';
import type { AttemptEvent, CacheEvent, RequestEvent, TelemetrySink } from '../telemetry-sink.ts';
import { BoundedLabel, statusClass } from './bounded-label.ts';

/** What the scrape-time gauges read; bound after the gateway is built. */
export interface GatewayState {
  health: HealthMonitor;
  pools: ReadonlyMap<string, KeyPool>;
  budget: RetryBudget;
  report?: () => HealthReport;
}

export interface PromMetrics {
  sink: TelemetrySink;
  observe(state: GatewayState): void;
  contentType: string;
  text(): Promise<string>;
}

const STATES = ['healthy', 'probing', 'tripped', 'drained'] as const;
const KEY_STATES = ['ok', 'exhausted', 'bad'] as const;
// The OpenTelemetry GenAI semantic conventions' advised bucket boundaries.
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
// Attempts also get 30 s and 60 s boundaries, so the guide's "P99 above 30 s" alert is exact, not interpolated.
const ATTEMPT_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 30, 40.96, 60, 81.92, 120,
];
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
const OVERHEAD_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const SIGNALS = [
  ['error_rate', 'errorRate', 'errorRate'],
  ['rate_limit_rate', 'rateLimitRate', 'rateLimitRate'],
  ['server_error_rate', 'serverErrorRate', 'serverErrorRate'],
  ['retry_exhaustion_rate', 'exhaustionRate', 'retryExhaustionRate'],
] as const;

export function createPromMetrics(options: { knownModels?: Iterable<string> } = {}): PromMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requestModel = new BoundedLabel(50, options.knownModels);
  const responseModel = new BoundedLabel(50, options.knownModels);
  const reasons = new BoundedLabel(64);
  let state: GatewayState | undefined;

  const genaiLabels = [
    'gen_ai_operation_name',
    'gen_ai_provider_name',
    'gen_ai_request_model',
    'gen_ai_response_model',
    'error_type',
  ] as const;
  const operationDuration = new Histogram({
    name: 'gen_ai_client_operation_duration_seconds',
    help: 'GenAI operation duration as the client sees it, per request (OpenTelemetry gen_ai.client.operation.duration).',
    labelNames: genaiLabels,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const tokenUsage = new Histogram({
    name: 'gen_ai_client_token_usage',
    help: 'Tokens per request by type (OpenTelemetry gen_ai.client.token.usage).',
    labelNames: [
      'gen_ai_operation_name',
      'gen_ai_provider_name',
      'gen_ai_request_model',
      'gen_ai_response_model',
      'gen_ai_token_type',
    ],
    buckets: TOKEN_BUCKETS,
    registers,
  });
  const timeToFirstToken = new Histogram({
    name: 'gen_ai_server_time_to_first_token_seconds',
    help: 'Time from the request to the first token the gateway could send, per served request (OpenTelemetry gen_ai.server.time_to_first_token).',
    labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model'],
    buckets: TTFT_BUCKETS,
    registers,
  });
  const requests = new Counter({
    name: 'switchyard_requests_total',
    help: 'Chat requests by requested model or route, final status and serving provider.',
    labelNames: ['route', 'status', 'provider'],
    registers,
  });
  const attempts = new Counter({
    name: 'switchyard_attempts_total',
    help: 'Upstream attempts by provider, outcome (ok or failure kind) and HTTP status class.',
    labelNames: ['provider', 'outcome', 'status_class'],
    registers,
  });
  const attemptDuration = new Histogram({
    name: 'switchyard_attempt_duration_seconds',
    help: 'Whole upstream attempt duration by provider and result.',
    labelNames: ['provider', 'ok'],
    buckets: ATTEMPT_BUCKETS,
    registers,
  });
  const exhausted = new Counter({
    name: 'switchyard_retries_exhausted_total',
    help: 'Attempts after which the gateway gave up on a provider it would have retried.',
    labelNames: ['provider'],
    registers,
  });
  const retries = new Counter({
    name: 'switchyard_retries_total',
    help: 'Retries on the same key after a failed attempt.',
    labelNames: ['provider'],
    registers,
  });
  const keySwitches = new Counter({
    name: 'switchyard_key_switches_total',
    help: 'Moves to another key of the same provider after a failed attempt.',
    labelNames: ['provider'],
    registers,
  });
  const failovers = new Counter({
    name: 'switchyard_failovers_total',
    help: 'Moves from one provider to another within a request, by the failed attempt\'s reason (to="none": nothing else was tried).',
    labelNames: ['from', 'to', 'reason'],
    registers,
  });
  const cacheRequests = new Counter({
    name: 'switchyard_cache_requests_total',
    help: 'Requests the response cache decided on, by result (hit, miss, bypass).',
    labelNames: ['result'],
    registers,
  });
  const overhead = new Histogram({
    name: 'switchyard_gateway_overhead_seconds',
    help: 'Time to the commit point not spent waiting on upstream attempts (validation, planning, backoff waits), per served request.',
    buckets: OVERHEAD_BUCKETS,
    registers,
  });

  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        if (state) collect(this);
      },
    });
  let reportCache: { at: number; report: HealthReport | undefined } | undefined;
  // One report per scrape, shared by the gauges that read it.
  const report = () => {
    const now = Date.now();
    if (!reportCache || now - reportCache.at > 250) reportCache = { at: now, report: state?.report?.() };
    return reportCache.report;
  };
  gauge(
    'switchyard_provider_state',
    'Provider health state: 1 for the current state, 0 for the others.',
    ['provider', 'state'],
    (g) => {
      for (const name of state!.pools.keys()) {
        const current = state!.health.get(name).state;
        for (const s of STATES) g.set({ provider: name, state: s }, s === current ? 1 : 0);
      }
    },
  );
  gauge(
    'switchyard_provider_score',
    'Provider health score, 1 = all well, 0 = nothing succeeds.',
    ['provider'],
    (g) => {
      for (const name of state!.pools.keys()) g.set({ provider: name }, state!.health.get(name).score);
    },
  );
  gauge(
    'switchyard_health_signal_value',
    "Each health signal's current value per provider and window (rates 0..1, p99 in seconds).",
    ['provider', 'signal', 'window'],
    (g) => {
      for (const p of report()?.providers ?? []) {
        for (const window of ['short', 'long'] as const) {
          const w = p[window];
          for (const [signal, field] of SIGNALS) g.set({ provider: p.provider, signal, window }, w[field]);
          if (w.p99Ms !== null) g.set({ provider: p.provider, signal: 'p99_latency_seconds', window }, w.p99Ms / 1000);
          g.set({ provider: p.provider, signal: 'requests', window }, w.requests);
        }
      }
    },
  );
  gauge(
    'switchyard_health_signal_threshold',
    "Each enabled health signal's trip threshold and the window it is judged on.",
    ['signal', 'window'],
    (g) => {
      const t = report()?.thresholds;
      if (!t) return;
      for (const [signal, , key] of SIGNALS) if (t[key].enabled) g.set({ signal, window: t[key].window }, t[key].above);
      if (t.p99Latency.enabled)
        g.set({ signal: 'p99_latency_seconds', window: t.p99Latency.window }, t.p99Latency.aboveMs / 1000);
    },
  );
  gauge(
    'switchyard_key_state',
    'Provider key state: 1 for the current state (key ids are provider#N, never the key).',
    ['provider', 'key', 'state'],
    (g) => {
      for (const [name, pool] of state!.pools) {
        for (const key of pool.status())
          for (const s of KEY_STATES) g.set({ provider: name, key: key.id, state: s }, key.state === s ? 1 : 0);
      }
    },
  );
  gauge(
    'switchyard_retry_budget_requests',
    "Requests in the retry budget's window per provider (this instance).",
    ['provider'],
    (g) => {
      for (const name of state!.pools.keys()) g.set({ provider: name }, state!.budget.totals(name).requests);
    },
  );
  gauge(
    'switchyard_retry_budget_retries',
    "Retries spent in the retry budget's window per provider (this instance).",
    ['provider'],
    (g) => {
      for (const name of state!.pools.keys()) g.set({ provider: name }, state!.budget.totals(name).retries);
    },
  );
  gauge(
    'switchyard_health_store_up',
    '1 when the health store answers, 0 while the gateway runs on local state.',
    ['store'],
    (g) => {
      const status = state!.health.storeStatus();
      g.set({ store: status.store }, status.degraded ? 0 : 1);
    },
  );
  gauge(
    'switchyard_health_store_sync_seconds',
    'The last successful round trip to the health store (one batched flush and read).',
    ['store'],
    (g) => {
      const status = state!.health.storeStatus();
      if (status.syncMs !== undefined) g.set({ store: status.store }, status.syncMs / 1000);
    },
  );

  const sink: TelemetrySink = {
    attempt(event: AttemptEvent) {
      const outcome = event.ok ? 'ok' : (event.kind ?? 'unknown');
      attempts.inc({ provider: event.provider, outcome, status_class: event.ok ? '2xx' : statusClass(event.status) });
      attemptDuration.observe({ provider: event.provider, ok: event.ok ? 'true' : 'false' }, event.latencyMs / 1000);
      if (event.retriesExhausted) exhausted.inc({ provider: event.provider });
    },
    cache(event: CacheEvent) {
      cacheRequests.inc({ result: event.result });
    },
    request(event: RequestEvent) {
      const route = requestModel.value(event.model);
      const provider = event.provider ?? 'none';
      requests.inc({ route, status: String(event.status), provider });
      const list = event.attempts;
      for (let i = 0; i < list.length; i++) {
        const attempt = list[i]!;
        if (attempt.ok) continue;
        const next = list[i + 1];
        if (next && next.provider === attempt.provider) {
          if (next.key === attempt.key) retries.inc({ provider: attempt.provider });
          else keySwitches.inc({ provider: attempt.provider });
        } else {
          const reason = reasons.value(attempt.reason?.slice(attempt.reason.indexOf(':') + 1) ?? 'unknown');
          failovers.inc({ from: attempt.provider, to: next?.provider ?? 'none', reason });
        }
      }
      if (event.status === 499) return;
      const labels = {
        gen_ai_operation_name: 'chat',
        gen_ai_provider_name: provider,
        gen_ai_request_model: route,
        gen_ai_response_model: responseModel.value(event.servedModel),
        error_type: event.status >= 400 ? (event.code ? reasons.value(event.code) : String(event.status)) : '',
      };
      operationDuration.observe(labels, event.durationMs / 1000);
      if (event.firstByteMs !== undefined && event.provider) {
        timeToFirstToken.observe(
          { gen_ai_operation_name: 'chat', gen_ai_provider_name: provider, gen_ai_request_model: route },
          event.firstByteMs / 1000,
        );
      }
      if (event.overheadMs !== undefined) overhead.observe(event.overheadMs / 1000);
      if (event.usage) {
        const { error_type: _, ...tokenLabels } = labels;
        tokenUsage.observe({ ...tokenLabels, gen_ai_token_type: 'input' }, event.usage.prompt_tokens);
        tokenUsage.observe({ ...tokenLabels, gen_ai_token_type: 'output' }, event.usage.completion_tokens);
      }
    },
  };

  return {
    sink,
    observe(next) {
      state = next;
    },
    contentType: registry.contentType,
    text: () => registry.metrics(),
  };
}
