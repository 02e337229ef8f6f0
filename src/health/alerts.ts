/**
 * Health events as structured log lines and, when configured, webhook POSTs.
 *
 * A sustained incident alerts once: every alert has a dedupe key (provider + event + signal + incident)
 * that is claimed first in this process, then in the store (SET NX with a TTL in Redis) so a fleet of
 * instances sends one webhook, not one per instance. If the store cannot be asked, the alert goes out
 * anyway: a duplicate beats a missed outage. Webhook failures are logged, never thrown; they time out.
 */

import type { Logger } from '../telemetry/logger.ts';
import { formatSlackAlert } from './format-slack-alert.ts';
import type { HealthAlert } from './health-alert.ts';

export interface HealthLogEntry {
  at: number;
  level: 'info' | 'warn' | 'error';
  component: 'health';
  event: string;
  [field: string]: unknown;
}

/** Writes one health log line. */
export type WriteHealthLog = (entry: HealthLogEntry) => void;

/**
 * Health's lines on the gateway's one Logger type (what every entry and test hands the monitor), with their
 * `at` and `component` kept as fields. A logger that throws must not break health tracking.
 */
export function healthLogWriter(logger: Logger): WriteHealthLog {
  return ({ level, event, ...fields }) => {
    try {
      logger.log(level, event, fields);
    } catch {
      // Logging must never break health tracking.
    }
  };
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface AlerterOptions {
  logger: WriteHealthLog;
  webhookUrl?: string;
  /** `json` (default): the HealthAlert itself; `slack`: an incoming-webhook message that reads as a sentence. */
  webhookFormat?: 'json' | 'slack';
  webhookTimeoutMs: number;
  /** Told of every alert as it is delivered (the dashboard's recent alerts). Must not throw. */
  onAlert?: (alert: HealthAlert) => void;
  fetch?: FetchLike;
  /** How long a dedupe key holds, ms. */
  dedupeMs: number;
  /** Claims a dedupe key across instances; may reject (store down). */
  claim: (key: string, ttlMs: number, now: number) => Promise<boolean>;
  now: () => number;
}

export interface Alerter {
  emit(alert: HealthAlert): void;
  /** Resolves when every alert emitted so far has been logged and delivered (or failed). */
  settle(): Promise<void>;
}

const MAX_LOCAL_KEYS = 10_000;

/** How alerts are configured (the monitor's options, and the Durable Object's authority's). */
export interface AlertSettings {
  webhookUrl?: string;
  webhookFormat?: 'json' | 'slack';
  onAlert?: (alert: HealthAlert) => void;
  /** Default 2000. */
  webhookTimeoutMs?: number;
  fetch?: FetchLike;
  /** How long an alert's dedupe key holds, ms. Default 6 h. */
  alertDedupeMs?: number;
}

/** An alerter from settings, with the defaults applied. */
export function alerterFrom(settings: AlertSettings, parts: Pick<AlerterOptions, 'logger' | 'claim' | 'now'>): Alerter {
  return createAlerter({
    ...parts,
    ...(settings.webhookUrl !== undefined ? { webhookUrl: settings.webhookUrl } : {}),
    ...(settings.webhookFormat !== undefined ? { webhookFormat: settings.webhookFormat } : {}),
    ...(settings.onAlert !== undefined ? { onAlert: settings.onAlert } : {}),
    ...(settings.fetch !== undefined ? { fetch: settings.fetch } : {}),
    webhookTimeoutMs: settings.webhookTimeoutMs ?? 2000,
    dedupeMs: settings.alertDedupeMs ?? 6 * 3_600_000,
  });
}

export function createAlerter(options: AlerterOptions): Alerter {
  const seen = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();

  const log = (entry: HealthLogEntry) => {
    try {
      options.logger(entry);
    } catch {
      // A broken logger must not break health tracking.
    }
  };

  const deliver = async (alert: HealthAlert, key: string): Promise<void> => {
    let first = true;
    try {
      first = await options.claim(key, options.dedupeMs, alert.at);
    } catch {
      first = true;
    }
    if (!first) return;
    const level = alert.event === 'recovered' || alert.event === 'restored' ? 'info' : 'warn';
    log({ ...alert, at: alert.at, level, component: 'health', event: alert.event });
    try {
      options.onAlert?.(alert);
    } catch {
      // Telemetry must not stop the webhook.
    }
    if (options.webhookUrl) await postWebhook(alert);
  };

  const postWebhook = async (alert: HealthAlert): Promise<void> => {
    const doFetch = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
    try {
      const response = await doFetch(options.webhookUrl ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(options.webhookFormat === 'slack' ? formatSlackAlert(alert) : alert),
        signal: AbortSignal.timeout(options.webhookTimeoutMs),
      });
      // Drain the body so the connection can be reused; its content does not matter.
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) {
        log({
          at: options.now(),
          level: 'error',
          component: 'health',
          event: 'webhook_failed',
          provider: alert.provider,
          alert: alert.event,
          status: response.status,
        });
      }
    } catch (err) {
      // Never log the URL: webhook URLs often carry a token.
      log({
        at: options.now(),
        level: 'error',
        component: 'health',
        event: 'webhook_failed',
        provider: alert.provider,
        alert: alert.event,
        error: describeWebhookError(err, options),
      });
    }
  };

  return {
    emit(alert) {
      const key = `${alert.provider}|${alert.event}|${alert.signal ?? ''}|${alert.incident ?? String(alert.at)}`;
      const now = options.now();
      const expires = seen.get(key);
      if (expires !== undefined && expires > now) return;
      if (seen.size >= MAX_LOCAL_KEYS) {
        for (const [k, e] of seen) if (e <= now) seen.delete(k);
        if (seen.size >= MAX_LOCAL_KEYS) seen.clear();
      }
      seen.set(key, now + options.dedupeMs);
      const task = deliver(alert, key).finally(() => inFlight.delete(task));
      inFlight.add(task);
    },
    async settle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

function describeWebhookError(err: unknown, options: AlerterOptions): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `timed out after ${options.webhookTimeoutMs} ms`;
  const message = err instanceof Error ? err.message : String(err);
  const url = options.webhookUrl;
  return url ? message.split(url).join('[webhook url]') : message;
}
