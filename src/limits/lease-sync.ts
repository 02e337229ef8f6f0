/**
 * The background half of fleet-wide budgets: every `intervalMs`, and at once when a request lacks units,
 * one store call carries every shared budget's order (charges for units spent on credit, units given back,
 * slices asked for) and the instance's heartbeat. Requests never await it; when a lease arrives,
 * `onChange` wakes the wait queue.
 *
 * A failed call makes every shared budget run on a conservative local share, 1 / the number of live
 * instances last seen, until a call succeeds again; `/health` says so.
 */
import type { Clock } from '../clock.ts';
import { redactStoreError } from '../health/redact-store-error.ts';
import type { BudgetStore } from './budget-store.ts';
import type { LeaseOrder } from './lease-grant.ts';
import type { LeasedRate } from './leased-rate.ts';

export interface LeaseSyncOptions {
  store: BudgetStore;
  clock: Clock;
  /** How often budgets are synced without a request asking. Default 100 ms. */
  intervalMs?: number;
  /** Units leased and not spent within this go back to the fleet. Default 2 s. */
  leaseTtlMs?: number;
  /** A budget changed (a lease arrived, the store came back): waiting requests may go. */
  onChange: () => void;
  /** Told once per change between reachable and unreachable. */
  onStoreChange?: (degraded: boolean, message?: string) => void;
  instance?: string;
}

export interface LeaseSyncStatus {
  store: 'memory' | 'redis';
  degraded: boolean;
  /** Live instances sharing the budgets, as last seen (at least 1). */
  instances: number;
  /** The share of each budget this instance keeps on its own while degraded. */
  localShare: number;
  lastError?: string;
}

export class LeaseSync {
  readonly leaseTtlMs: number;
  private readonly options: LeaseSyncOptions;
  private readonly intervalMs: number;
  private readonly instance: string;
  private readonly rates: LeasedRate[] = [];
  private instances = 1;
  private degraded = false;
  private lastError: string | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private cancelTimer: (() => void) | undefined;
  private closed = false;

  constructor(options: LeaseSyncOptions) {
    this.options = options;
    this.intervalMs = options.intervalMs ?? 100;
    this.leaseTtlMs = options.leaseTtlMs ?? 2000;
    this.instance = options.instance ?? crypto.randomUUID();
  }

  add(rate: LeasedRate): void {
    this.rates.push(rate);
    if (this.degraded) rate.degrade(this.share());
  }

  /** Stops syncing every budget added so far (the ledger forgot them). */
  forget(): void {
    this.rates.length = 0;
  }

  start(): void {
    if (this.cancelTimer || this.closed) return;
    const tick = () => {
      this.cancelTimer = this.options.clock.schedule(this.intervalMs, () => {
        void this.sync().finally(() => {
          if (!this.closed) tick();
        });
      });
    };
    tick();
  }

  /** A request lacks units: sync soon, once for everything asked in this turn of the event loop. */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.again = true;
    queueMicrotask(() => {
      if (this.again && !this.running) void this.sync();
    });
  }

  /** One round trip now (tests and start-up); resolves when it is settled. */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.again = false;
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again && !this.closed) void this.sync();
    });
    return this.running;
  }

  status(): LeaseSyncStatus {
    return {
      store: this.options.store.kind,
      degraded: this.degraded,
      instances: this.instances,
      localShare: this.share(),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    await this.running?.catch(() => undefined);
    await this.options.store.close();
  }

  private share(): number {
    return 1 / Math.max(1, this.instances);
  }

  private async run(): Promise<void> {
    const now = this.options.clock.now();
    const sent: Array<{ rate: LeasedRate; order: LeaseOrder }> = [];
    for (const rate of this.rates) {
      const order = rate.order(now);
      if (order) sent.push({ rate, order });
    }
    try {
      const result = await this.options.store.sync({
        instance: this.instance,
        now,
        instanceTtlMs: Math.max(5000, this.intervalMs * 10),
        orders: sent.map((entry) => entry.order),
      });
      const settledAt = this.options.clock.now();
      this.instances = result.instances;
      for (const [index, { rate, order }] of sent.entries()) rate.settle(order, result.answers[index]!, settledAt);
      if (this.degraded) {
        this.degraded = false;
        this.lastError = undefined;
        for (const rate of this.rates) rate.recover();
        this.options.onStoreChange?.(false);
      }
      this.options.onChange();
    } catch (error) {
      for (const { rate, order } of sent) rate.unsettled(order);
      // A connection string with a password can be quoted in a client's error: never keep one.
      this.lastError = redactStoreError(error instanceof Error ? error.message : String(error));
      if (!this.degraded) {
        this.degraded = true;
        for (const rate of this.rates) rate.degrade(this.share());
        this.options.onStoreChange?.(true, this.lastError);
        this.options.onChange();
      }
    }
  }
}
