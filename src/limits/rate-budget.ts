/**
 * One per-minute budget (a key's RPM or TPM) as the ledger sees it, whatever keeps its state: the local
 * GCRA (one instance, or a degraded fleet member's share) or units leased from the fleet's store.
 * Every method is synchronous: the hot path never waits for a store.
 */
import { admit, available, charge, type RateSpec, rateSpec, refund } from './gcra.ts';

export interface RateBudget {
  /** The configured per-minute limit (fleet-wide when shared). */
  readonly limit: number;
  /** 0 when `cost` may be spent now; otherwise ms until it may (an estimate for a leased budget). */
  waitMs(cost: number, now: number): number;
  /** Spends `cost`; only after `waitMs` said 0. */
  spend(cost: number, now: number): void;
  /** Gives back a charge for a request that never reached the provider. */
  refund(cost: number, now: number): void;
  /** Units that could be spent right now, for `/health`. */
  left(now: number): number;
}

/** A budget kept in this process: GCRA at `limit × share` per minute. */
export class LocalRate implements RateBudget {
  readonly limit: number;
  private readonly spec: RateSpec;
  private tat = 0;

  constructor(limit: number, share = 1) {
    this.limit = limit;
    this.spec = rateSpec(limit * share);
  }

  waitMs(cost: number, now: number): number {
    const decision = admit(this.tat, now, cost, this.spec);
    return decision.ok ? 0 : Math.max(1, Math.ceil(decision.waitMs));
  }

  spend(cost: number, now: number): void {
    // The ledger checked first (`waitMs`); spending is the unconditional charge.
    this.tat = charge(this.tat, now, cost, this.spec);
  }

  refund(cost: number, now: number): void {
    this.tat = refund(this.tat, now, cost, this.spec);
  }

  left(now: number): number {
    return available(this.tat, now, this.spec);
  }
}
