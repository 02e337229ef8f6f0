/**
 * One budget shared by a fleet (REDIS_URL): this instance's side of it. Decisions stay local and synchronous;
 * the store is spoken to only by the background sync (lease-sync.ts), which sends each budget's `order()` in
 * one batched round trip and hands back the answer to `settle()`.
 *
 * How units reach this instance:
 * - **leases**: a request that finds too little asks (through the sync) for a slice of the fleet's budget,
 *   up to one burst; leased units are spent locally and, if not spent within the lease's life, given back;
 * - **credit**: while the fleet's last answer showed at least a burst of room (or before it ever answered),
 *   a request may go at once on credit, up to one burst owed, and the sync charges what was spent
 *   (`debit`). So an instance with spare fleet budget never waits for Redis, and when the fleet runs short
 *   the answers stop the credit and only leased units are spent.
 * The cost of credit: N instances may together send up to N bursts more than the fleet's budget at the
 * moment it runs out; that excess is charged, so the fleet's next leases wait for it to be repaid.
 *
 * While the store is unreachable the budget is kept by a local GCRA at a conservative share of the limit
 * (1 / the number of instances last seen), and what was owed is forgotten rather than charged late.
 */
import type { RateSpec } from './gcra.ts';
import { rateSpec } from './gcra.ts';
import type { LeaseAnswer, LeaseOrder } from './lease-grant.ts';
import { LocalRate, type RateBudget } from './rate-budget.ts';

/** Until the sync comes: what a waiting request is told (it is woken when the lease arrives anyway). */
const LEASE_ROUND_TRIP_MS = 20;

export class LeasedRate implements RateBudget {
  readonly id: string;
  readonly limit: number;
  readonly spec: RateSpec;
  private readonly leaseTtlMs: number;
  private readonly onDemand: () => void;
  /** Leased units not yet spent. */
  private balance = 0;
  private expiresAt = 0;
  /** Units spent on credit and not yet charged; `debiting` of them are in the order on its way. */
  private owed = 0;
  private debiting = 0;
  private credit = true;
  /** The store said no slice would fit before this. */
  private nextAt = 0;
  /** The most a waiting request lacked (what to ask for). */
  private demand = 0;
  private fallback: LocalRate | undefined;

  constructor(id: string, limit: number, options: { leaseTtlMs: number; onDemand: () => void }) {
    this.id = id;
    this.limit = limit;
    this.spec = rateSpec(limit);
    this.leaseTtlMs = options.leaseTtlMs;
    this.onDemand = options.onDemand;
  }

  get degraded(): boolean {
    return this.fallback !== undefined;
  }

  waitMs(cost: number, now: number): number {
    if (this.fallback) return this.fallback.waitMs(cost, now);
    if (cost <= this.balance) return 0;
    if (this.credit && this.owed + cost - this.balance <= Math.max(this.spec.burst, cost)) return 0;
    if (cost - this.balance > this.demand) this.demand = cost - this.balance;
    this.onDemand();
    return Math.max(LEASE_ROUND_TRIP_MS, this.nextAt - now);
  }

  spend(cost: number, now: number): void {
    if (this.fallback) {
      this.fallback.spend(cost, now);
      return;
    }
    const fromLease = Math.min(this.balance, cost);
    this.balance -= fromLease;
    this.owed += cost - fromLease;
  }

  refund(cost: number, now: number): void {
    if (this.fallback) this.fallback.refund(cost, now);
    else this.balance += cost;
  }

  left(now: number): number {
    if (this.fallback) return this.fallback.left(now);
    return Math.floor(this.balance + (this.credit ? Math.max(0, this.spec.burst - this.owed) : 0));
  }

  /** What the next sync should send for this budget, or nothing. */
  order(now: number): LeaseOrder | undefined {
    if (this.fallback) return undefined;
    const debit = this.owed - this.debiting;
    const giveBack = this.balance > 0 && this.expiresAt <= now ? this.balance : 0;
    const asks = this.demand > 0 && now >= this.nextAt;
    if (debit <= 0 && giveBack <= 0 && !asks) return undefined;
    this.debiting += debit;
    this.balance -= giveBack;
    const need = asks ? this.demand : 0;
    return {
      budget: this.id,
      intervalMs: this.spec.intervalMs,
      burst: this.spec.burst,
      debit,
      giveBack,
      want: asks ? Math.max(this.spec.burst, need) : 0,
      need,
    };
  }

  /** The store applied `order`. */
  settle(order: LeaseOrder, answer: LeaseAnswer, now: number): void {
    this.owed = Math.max(0, this.owed - order.debit);
    this.debiting = Math.max(0, this.debiting - order.debit);
    if (order.need > 0) {
      if (answer.granted > 0) {
        this.balance += answer.granted;
        this.expiresAt = now + this.leaseTtlMs;
        this.demand = 0;
      } else {
        this.nextAt = now + answer.waitMs;
      }
    }
    this.credit = answer.room >= this.spec.burst;
  }

  /** The store did not answer: the debit is sent again next time; units being given back are lost (safe). */
  unsettled(order: LeaseOrder): void {
    this.debiting = Math.max(0, this.debiting - order.debit);
  }

  /** The store is unreachable: keep a local share of the limit until it answers again. */
  degrade(share: number): void {
    if (this.fallback) return;
    this.fallback = new LocalRate(this.limit, share);
    this.balance = 0;
    this.owed = 0;
    this.debiting = 0;
    this.demand = 0;
  }

  recover(): void {
    this.fallback = undefined;
    this.credit = true;
    this.nextAt = 0;
  }
}
