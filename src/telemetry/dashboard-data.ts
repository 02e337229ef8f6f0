/**
 * The dashboard's JSON: per provider its state and score, each health signal's short and long window next to
 * its threshold (and whether it is over), traffic share and latency from the recorder, and its keys; plus
 * recent alerts. Pure: built from snapshots the app hands in. Key ids only (provider#N), never keys.
 */
import type { HealthThresholds } from '../health/health-options.ts';
import type { HealthReport, WindowReport } from '../health/health-report.ts';
import type { ProviderHealth } from '../health/types.ts';
import type { DashboardActivity, ProviderActivity } from './dashboard-recorder.ts';

export interface SignalRow {
  signal: string;
  /** `rate` (0..1) or `ms`. */
  unit: 'rate' | 'ms';
  short: number | null;
  long: number | null;
  threshold: number | null;
  /** The window the threshold is judged on. */
  window: 'short' | 'long';
  minSamples: number;
  over: boolean;
}

export interface DashboardProvider {
  provider: string;
  state: ProviderHealth['state'];
  score: number;
  since: number;
  reason: string | null;
  requests: { short: number; long: number };
  signals: SignalRow[];
  activity: Omit<ProviderActivity, 'provider'>;
  keys: Array<{ id: string; state: string; until?: number }>;
}

export interface DashboardData {
  at: number;
  store: { store: string; degraded: boolean };
  windows: { shortMs: number; longMs: number } | null;
  trafficWindowMs: number;
  failedRequests: number;
  providers: DashboardProvider[];
  alerts: DashboardActivity['alerts'];
}

export interface DashboardInput {
  at: number;
  store: { store: string; degraded: boolean };
  providers: ProviderHealth[];
  report?: HealthReport;
  keys: ReadonlyMap<string, Array<{ id: string; state: string; until?: number }>>;
  activity: DashboardActivity;
}

const EMPTY_ACTIVITY: Omit<ProviderActivity, 'provider'> = {
  served: 0,
  share: 0,
  latencyP50Ms: null,
  latencyP99Ms: null,
  firstByteP50Ms: null,
  firstByteP99Ms: null,
  samples: 0,
};

export function dashboardData(input: DashboardInput): DashboardData {
  const reports = new Map((input.report?.providers ?? []).map((p) => [p.provider, p]));
  const activity = new Map(input.activity.providers.map((a) => [a.provider, a]));
  const providers = [...input.keys.keys()].sort().map((name): DashboardProvider => {
    const health = input.providers.find((p) => p.provider === name);
    const report = reports.get(name);
    const { provider: _, ...seen } = activity.get(name) ?? { provider: name, ...EMPTY_ACTIVITY };
    return {
      provider: name,
      state: report?.state ?? health?.state ?? 'healthy',
      score: Math.round((report?.score ?? health?.score ?? 1) * 1000) / 1000,
      since: report?.since ?? health?.since ?? 0,
      reason: report?.reason ?? health?.reason ?? null,
      requests: { short: report?.short.requests ?? 0, long: report?.long.requests ?? 0 },
      signals: report && input.report ? signalRows(report.short, report.long, input.report.thresholds) : [],
      activity: seen,
      keys: input.keys.get(name) ?? [],
    };
  });
  return {
    at: input.at,
    store: input.store,
    windows: input.report ? { shortMs: input.report.windows.shortMs, longMs: input.report.windows.longMs } : null,
    trafficWindowMs: input.activity.trafficWindowMs,
    failedRequests: input.activity.failed,
    providers,
    alerts: input.activity.alerts,
  };
}

function signalRows(short: WindowReport, long: WindowReport, t: HealthThresholds): SignalRow[] {
  const rate = (
    signal: string,
    field: 'errorRate' | 'rateLimitRate' | 'serverErrorRate' | 'exhaustionRate',
    th: HealthThresholds['errorRate' | 'rateLimitRate' | 'serverErrorRate' | 'retryExhaustionRate'],
  ): SignalRow => {
    const judged = th.window === 'short' ? short : long;
    return {
      signal,
      unit: 'rate',
      short: short[field],
      long: long[field],
      threshold: th.enabled ? th.above : null,
      window: th.window,
      minSamples: th.minSamples,
      over: th.enabled && judged.requests >= th.minSamples && judged[field] > th.above,
    };
  };
  const p99 = t.p99Latency;
  const judged = p99.window === 'short' ? short : long;
  return [
    rate('error_rate', 'errorRate', t.errorRate),
    rate('rate_limit_rate', 'rateLimitRate', t.rateLimitRate),
    rate('server_error_rate', 'serverErrorRate', t.serverErrorRate),
    rate('retry_exhaustion_rate', 'exhaustionRate', t.retryExhaustionRate),
    {
      signal: 'p99_latency',
      unit: 'ms',
      short: short.p99Ms,
      long: long.p99Ms,
      threshold: p99.enabled ? p99.aboveMs : null,
      window: p99.window,
      minSamples: p99.minSamples,
      over: p99.enabled && judged.requests >= p99.minSamples && (judged.p99Ms ?? 0) > p99.aboveMs,
    },
  ];
}
