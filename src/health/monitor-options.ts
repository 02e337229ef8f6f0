/**
 * What a health monitor is built from (options) and what it offers beyond the routing contract
 * (types.ts): the background cycle on demand, the operator's report, and a way to wait for its work.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { FetchLike } from './alerts.ts';
import type { HealthAlert } from './health-alert.ts';
import type { ProbeOptions, ThresholdOverrides, WindowOptions } from './health-options.ts';
import type { HealthReport } from './health-report.ts';
import type { HealthStore } from './health-store.ts';
import type { HealthMonitor } from './types.ts';

export interface HealthMonitorOptions {
  /** Where windows and states are shared. Default: a private memory store. */
  store?: HealthStore;
  clock?: Clock;
  thresholds?: ThresholdOverrides;
  windows?: Partial<WindowOptions>;
  probe?: Partial<ProbeOptions>;
  /** Where health's log lines go (with `component: 'health'`). Default: JSON lines on console.log. */
  logger?: Logger;
  /** Alerts are POSTed here as JSON when set. */
  webhookUrl?: string;
  /** Body format of the webhook: `json` (default) or `slack` (incoming-webhook message). */
  webhookFormat?: 'json' | 'slack';
  /** Every delivered alert, for telemetry (the dashboard). */
  onAlert?: (alert: HealthAlert) => void;
  /** Default 2000. */
  webhookTimeoutMs?: number;
  /** Injected fetch for the webhook. Default: global fetch. */
  fetch?: FetchLike;
  /** How long an alert's dedupe key holds, ms. Default 6 h. */
  alertDedupeMs?: number;
  /** Background flush of local counts, ms. Default 250. */
  flushIntervalMs?: number;
  /** Background read of the merged windows and states, ms (rounded to a multiple of the flush interval). Default 500. */
  refreshIntervalMs?: number;
  /** Provider+model series only feed reports; they are read back at most this often, ms. Default 2000. */
  modelRefreshMs?: number;
  /** Run the background cycle on timers. Default true; tests turn it off and call `tick()`. */
  backgroundTimers?: boolean;
  /**
   * Let the hot path start the cycle when it is due: `record()` flushes once the flush interval has passed,
   * and reading states (`get`, `all`) refreshes a snapshot older than the refresh interval. For runtimes that
   * stop timers between requests (Workers), where `idle()` handed to `waitUntil` lets the work finish after
   * the response. Default false.
   */
  driveOnRequests?: boolean;
  /** Upper bound on distinct series (provider+model pairs) kept locally. Default 512. */
  maxSeries?: number;
  /** Whether `close()` closes the store too. Default true. */
  closeStore?: boolean;
}

export interface BackgroundHealthMonitor extends HealthMonitor {
  /** One full background cycle now: flush, read back, evaluate, transition, deliver alerts. */
  tick(): Promise<void>;
  /** Every provider's windows, score and state, for the admin API. */
  report(): HealthReport;
  /** Resolves when the background work started so far (cycles, alert deliveries) has finished. */
  idle(): Promise<void>;
}
