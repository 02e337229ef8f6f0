/**
 * Client-side rate limits as routing and `/health` see them: the key ledger, the wait queue and, with a
 * fleet store, the background lease sync. Routing asks `admit` (synchronous) for each key it considers,
 * holds the permit while the attempt runs, and reports what the provider said with `learn*`.
 * README "Rate limits and queueing" describes the behaviour; this wires the units together.
 */
import type { RateLimitSnapshot } from '../../providers/types.ts';
import type { Clock } from '../clock.ts';
import { budgetFor, type ProviderLimits } from './budget-settings.ts';
import type { BudgetStore } from './budget-store.ts';
import { KeyBudgets, type Permit, type Refusal } from './key-budgets.ts';
import type { LearnedLimits } from './learned-limits.ts';
import { LeaseSync, type LeaseSyncStatus } from './lease-sync.ts';
import { LeasedRate } from './leased-rate.ts';
import { LocalRate, type RateBudget } from './rate-budget.ts';
import { WaitQueue } from './wait-queue.ts';

export type { Permit, Refusal } from './key-budgets.ts';

export interface QueueSettings {
  /** The longest a request waits for budget (never past its deadline). */
  maxWaitMs: number;
  /** Requests waiting at most; the next one gets 429 at once. */
  maxLength: number;
  /** The longest a request waits for its first target's budget before it spills over to the next target. */
  preferredWaitMs: number;
}

export interface LimitsOptions {
  /** Limits per configured provider (providers without any are unlimited, except for what they say). */
  providers: ReadonlyMap<string, ProviderLimits>;
  queue: QueueSettings;
  clock: Clock;
  /** With a store, budgets are shared by every instance on it; without, kept in this process. */
  store?: BudgetStore;
  syncIntervalMs?: number;
  leaseTtlMs?: number;
  /** Told when the store becomes unreachable and when it is back. */
  onStoreChange?: (degraded: boolean, message?: string) => void;
}

export interface BudgetsStatus {
  store: 'local' | 'memory' | 'redis';
  degraded: boolean;
  instances?: number;
  localShare?: number;
  lastError?: string;
  queue: { length: number; maxLength: number; maxWaitMs: number };
}

export class Limits {
  readonly queue: WaitQueue;
  readonly settings: QueueSettings;
  private readonly budgets: KeyBudgets;
  private readonly clock: Clock;
  private readonly providers: ReadonlyMap<string, ProviderLimits>;
  private readonly sync: LeaseSync | undefined;

  constructor(options: LimitsOptions) {
    this.clock = options.clock;
    this.providers = options.providers;
    this.settings = options.queue;
    this.queue = new WaitQueue(options.clock, this.settings.maxLength);
    const store = options.store;
    if (store) {
      const sync = new LeaseSync({
        store,
        clock: options.clock,
        ...(options.syncIntervalMs === undefined ? {} : { intervalMs: options.syncIntervalMs }),
        ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
        onChange: () => this.queue.notify(),
        ...(options.onStoreChange ? { onStoreChange: options.onStoreChange } : {}),
      });
      this.sync = sync;
      this.budgets = new KeyBudgets(options.providers, (id, limit) => {
        const rate = new LeasedRate(id, limit, { leaseTtlMs: sync.leaseTtlMs, onDemand: () => sync.poke() });
        sync.add(rate);
        return rate;
      });
      sync.start();
    } else {
      this.budgets = new KeyBudgets(options.providers, (_id, limit) => new LocalRate(limit));
    }
  }

  /** Whether a TPM budget applies to this provider's model (then its tokens are counted exactly). */
  countsTokens(provider: string, model: string): boolean {
    const limits = this.providers.get(provider);
    return limits !== undefined && budgetFor(limits, model)?.tpm !== undefined;
  }

  /** A permit for this key now, or why not and for how long. */
  admit(keyId: string, provider: string, model: string, tokens: () => number): Permit | Refusal {
    return this.budgets.admit({ keyId, provider, model, tokens }, this.clock.now());
  }

  /** The attempt is over (its answer read, or it failed): the key's in-flight slot frees. */
  release(permit: Permit): void {
    if (permit.released) return;
    this.budgets.release(permit);
    if (permit.holdsSlot) this.queue.notify();
  }

  /** The request never reached the provider: give its charges back. */
  refund(permit: Permit): void {
    this.budgets.refund(permit, this.clock.now());
    this.queue.notify();
  }

  learnAnswer(permit: Permit, snapshot: RateLimitSnapshot): void {
    this.budgets.learnAnswer(permit, snapshot, this.clock.now());
  }

  learnRateLimit(permit: Permit, retryAfterMs: number): void {
    this.budgets.learnRateLimit(permit, retryAfterMs, this.clock.now());
  }

  /**
   * Starts every local budget afresh and forgets what providers said (a test harness between tests). Budgets
   * leased from a fleet store are new objects too; what the fleet holds is the store's.
   */
  forget(): void {
    this.budgets.forget();
    this.sync?.forget();
  }

  /** One budget sync now (tests, and start-up); nothing without a store. */
  async syncNow(): Promise<void> {
    await this.sync?.sync();
  }

  status(): BudgetsStatus {
    const queue = { length: this.queue.length, maxLength: this.settings.maxLength, maxWaitMs: this.settings.maxWaitMs };
    if (!this.sync) return { store: 'local', degraded: false, queue };
    const { store, degraded, instances, localShare, lastError }: LeaseSyncStatus = this.sync.status();
    return { store, degraded, instances, localShare, ...(lastError ? { lastError } : {}), queue };
  }

  /** One key's budgets for `/health`: configured, left, learned (with resets), in flight, waiting. */
  keyStatus(keyId: string, provider: string): KeyLimitsStatus {
    const now = this.clock.now();
    const view = this.budgets.view(keyId);
    const configured = this.providers.get(provider);
    const status: KeyLimitsStatus = { inFlight: view.inFlight, waiting: this.queue.waitingFor(keyId) };
    if (configured?.limits?.maxConcurrency !== undefined) status.maxConcurrency = configured.limits.maxConcurrency;
    if (view.rates.length) status.budgets = view.rates.map(([id, rate]) => budgetStatus(id, keyId, rate, now));
    if (view.learned.length)
      status.learned = view.learned.map(([model, learned]) => learnedStatus(model, learned, now));
    return status;
  }

  async close(): Promise<void> {
    await this.sync?.close();
  }
}

export interface KeyLimitsStatus {
  inFlight: number;
  maxConcurrency?: number;
  /** Requests in the queue that this key could serve. */
  waiting: number;
  budgets?: Array<{ bucket: string; kind: 'rpm' | 'tpm'; limit: number; left: number }>;
  learned?: Array<LearnedStatus>;
}

interface LearnedStatus {
  model: string;
  requests?: { limit?: number; remaining?: number; resetAt?: string };
  tokens?: { limit?: number; remaining?: number; resetAt?: string };
  blockedUntil?: string;
}

function budgetStatus(id: string, keyId: string, rate: RateBudget, now: number) {
  const [bucket = '*', kind = 'rpm'] = id.slice(keyId.length + 1).split('|');
  return {
    bucket,
    kind: kind === 'tpm' ? ('tpm' as const) : ('rpm' as const),
    limit: rate.limit,
    left: rate.left(now),
  };
}

function learnedStatus(model: string, learned: LearnedLimits, now: number): LearnedStatus {
  const iso = (at: number | undefined) => (at !== undefined && at > now ? new Date(at).toISOString() : undefined);
  const part = (limit?: number, remaining?: number, resetAt?: number) => {
    const reset = iso(resetAt);
    const out: { limit?: number; remaining?: number; resetAt?: string } = {};
    if (limit !== undefined) out.limit = limit;
    // After the reset the stated remainder is history: the budget is whole again as far as we know.
    if (remaining !== undefined && reset) out.remaining = Math.max(0, remaining);
    if (reset) out.resetAt = reset;
    return Object.keys(out).length ? out : undefined;
  };
  const status: LearnedStatus = { model };
  const requests = part(learned.limitRequests, learned.remainingRequests, learned.requestsResetAt);
  const tokens = part(learned.limitTokens, learned.remainingTokens, learned.tokensResetAt);
  if (requests) status.requests = requests;
  if (tokens) status.tokens = tokens;
  const blocked = iso(learned.blockedUntil);
  if (blocked) status.blockedUntil = blocked;
  return status;
}
