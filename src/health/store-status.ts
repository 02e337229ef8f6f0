/**
 * Whether the store answers: degraded mode. While degraded the monitor runs on local state (its last merged
 * view plus everything not yet flushed) and keeps transitions locally; `storeStatus()` and one log line on
 * each change say so. The error kept for operators is redacted (store URLs carry passwords).
 */
import type { Clock } from '../clock.ts';
import type { WriteHealthLog } from './alerts.ts';
import type { HealthStoreKind } from './health-store.ts';
import { redactStoreError } from './redact-store-error.ts';

export interface StoreStatusView {
  store: HealthStoreKind;
  degraded: boolean;
  lastError?: string;
  /** The last successful round trip to the store (flush and read), ms. */
  syncMs?: number;
}

export class StoreStatus {
  readonly #kind: HealthStoreKind;
  readonly #clock: Clock;
  readonly #log: WriteHealthLog;
  #degraded = false;
  #degradedSince = 0;
  #lastError: string | undefined;
  #lastSyncMs: number | undefined;

  constructor(kind: HealthStoreKind, clock: Clock, log: WriteHealthLog) {
    this.#kind = kind;
    this.#clock = clock;
    this.#log = log;
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  /** A store call failed: enter degraded mode (logged once per episode). */
  failed(err: unknown): void {
    this.#lastError = redactStoreError(describeError(err));
    if (this.#degraded) return;
    this.#degraded = true;
    this.#degradedSince = this.#clock.now();
    this.#log({
      at: this.#degradedSince,
      level: 'warn',
      component: 'health',
      event: 'store_degraded',
      store: this.#kind,
      error: this.#lastError,
    });
  }

  /** A sync succeeded after `syncMs` of wall time: leave degraded mode if in it. */
  synced(syncMs: number): void {
    this.#lastSyncMs = syncMs;
    if (!this.#degraded) return;
    this.#degraded = false;
    const now = this.#clock.now();
    this.#log({
      at: now,
      level: 'info',
      component: 'health',
      event: 'store_recovered',
      store: this.#kind,
      degradedMs: now - this.#degradedSince,
    });
  }

  view(): StoreStatusView {
    return {
      store: this.#kind,
      degraded: this.#degraded,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      ...(this.#lastSyncMs === undefined ? {} : { syncMs: this.#lastSyncMs }),
    };
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
