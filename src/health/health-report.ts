/**
 * The operator's view of health, shaped for an admin API: per provider (and provider + model) the short
 * and long windows, score and state. Pure, JSON-safe (null instead of undefined), and free of secrets:
 * no keys, no Redis or webhook URLs; the store error is already redacted.
 */
import type { HealthThresholds, WindowOptions } from './health-options.ts';
import type { HealthRecord } from './health-record.ts';
import type { HealthState } from './types.ts';
import { type WindowSummary, windowRates } from './window-summary.ts';

export interface WindowReport {
  windowMs: number;
  requests: number;
  errors: number;
  clientErrors: number;
  rateLimited: number;
  serverErrors: number;
  exhausted: number;
  errorRate: number;
  rateLimitRate: number;
  serverErrorRate: number;
  exhaustionRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface ModelReport {
  model: string;
  short: WindowReport;
  long: WindowReport;
}

export interface ProviderReport {
  provider: string;
  state: HealthState;
  score: number;
  since: number;
  reason: string | null;
  incident: string | null;
  short: WindowReport;
  long: WindowReport;
  models: ModelReport[];
}

export interface HealthReport {
  at: number;
  store: { store: 'memory' | 'redis' | 'durable'; degraded: boolean; lastError: string | null };
  windows: WindowOptions;
  thresholds: HealthThresholds;
  providers: ProviderReport[];
}

export interface HealthReportInput {
  at: number;
  store: { store: 'memory' | 'redis' | 'durable'; degraded: boolean; lastError?: string };
  windows: WindowOptions;
  thresholds: HealthThresholds;
  providers: Array<{
    record: HealthRecord;
    score: number;
    short: WindowSummary;
    long: WindowSummary;
    models: Array<{ model: string; short: WindowSummary; long: WindowSummary }>;
  }>;
}

export function healthReport(input: HealthReportInput): HealthReport {
  const w = input.windows;
  return {
    at: input.at,
    store: { store: input.store.store, degraded: input.store.degraded, lastError: input.store.lastError ?? null },
    windows: { ...w },
    thresholds: structuredClone(input.thresholds),
    providers: [...input.providers]
      .sort((a, b) => a.record.provider.localeCompare(b.record.provider))
      .map((p) => ({
        provider: p.record.provider,
        state: p.record.state,
        score: p.score,
        since: p.record.since,
        reason: p.record.reason ?? null,
        incident: p.record.incident ?? null,
        short: windowReport(p.short, w.shortMs),
        long: windowReport(p.long, w.longMs),
        models: [...p.models]
          .sort((a, b) => a.model.localeCompare(b.model))
          .map((m) => ({
            model: m.model,
            short: windowReport(m.short, w.shortMs),
            long: windowReport(m.long, w.longMs),
          })),
      })),
  };
}

function windowReport(summary: WindowSummary, windowMs: number): WindowReport {
  const rates = windowRates(summary);
  const round = (value: number) => Math.round(value * 10_000) / 10_000;
  return {
    windowMs,
    requests: summary.requests,
    errors: summary.errors,
    clientErrors: summary.clientErrors,
    rateLimited: summary.rateLimited,
    serverErrors: summary.serverErrors,
    exhausted: summary.exhausted,
    errorRate: round(rates.errorRate),
    rateLimitRate: round(rates.rateLimitRate),
    serverErrorRate: round(rates.serverErrorRate),
    exhaustionRate: round(rates.exhaustionRate),
    p50Ms: rates.p50Ms === undefined ? null : Math.round(rates.p50Ms),
    p99Ms: rates.p99Ms === undefined ? null : Math.round(rates.p99Ms),
  };
}
