import type { Clock } from '../clock.ts';

const SLOT_MS = 6000;
const SLOTS = 10;

/**
 * Caps retries at a provider to a share of its recent requests (the gRPC / Finagle retry-budget idea), so an
 * incident cannot turn each gateway into a load multiplier: with ratio 0.2, at most 20 % extra load, however
 * many requests are failing. Each instance keeps its own budget; a fleet's total stays within the same ratio.
 */
export class RetryBudget {
  private readonly clock: Clock;
  private readonly slots = new Map<string, Array<{ slot: number; requests: number; retries: number }>>();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  recordRequest(provider: string): void {
    this.current(provider).requests++;
  }

  /** Whether the budget has a retry left; takes nothing (the attempt site spends with `spendRetry`). */
  allowsRetry(provider: string, ratio: number, minimum: number): boolean {
    const { requests, retries } = this.totals(provider);
    return retries < Math.max(minimum, ratio * requests);
  }

  /** Takes one retry from the budget, when the retry is made. */
  spendRetry(provider: string): void {
    this.current(provider).retries++;
  }

  totals(provider: string): { requests: number; retries: number } {
    const oldest = this.slotOf(this.clock.now()) - SLOTS + 1;
    let requests = 0;
    let retries = 0;
    for (const entry of this.slots.get(provider) ?? []) {
      if (entry.slot >= oldest) {
        requests += entry.requests;
        retries += entry.retries;
      }
    }
    return { requests, retries };
  }

  private current(provider: string): { slot: number; requests: number; retries: number } {
    const slot = this.slotOf(this.clock.now());
    let ring = this.slots.get(provider);
    if (!ring) {
      ring = [];
      this.slots.set(provider, ring);
    }
    let entry = ring[ring.length - 1];
    if (!entry || entry.slot !== slot) {
      entry = { slot, requests: 0, retries: 0 };
      ring.push(entry);
      if (ring.length > SLOTS) ring.shift();
    }
    return entry;
  }

  private slotOf(time: number): number {
    return Math.floor(time / SLOT_MS);
  }
}
