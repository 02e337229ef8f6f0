/**
 * The fleet side of a shared budget: one GCRA state per budget in the store, and what one instance's order
 * does to it. Pure; the memory store runs it as it is and the Redis store runs the same steps in Lua
 * (redis-budget-lua.ts), and one test suite holds both to the same answers.
 *
 * An order, in this sequence: `debit` charges units the instance already spent on credit (unconditional: they
 * were sent); `giveBack` returns leased units it did not spend in time; then it asks for a slice: as many
 * units as fit, up to `want`, and none unless at least `need` fit (a request waiting for 800 tokens gains
 * nothing from 17). `need` above the burst is granted only from a rested budget, as in `admit`.
 */
import type { RateSpec } from './gcra.ts';

export interface LeaseOrder extends RateSpec {
  /** Budget id, e.g. `openai#1|*|rpm`: key ids are safe to store and log. */
  budget: string;
  debit: number;
  giveBack: number;
  want: number;
  need: number;
}

export interface LeaseAnswer {
  granted: number;
  /** When nothing was granted: ms until `need` would fit. */
  waitMs: number;
  /** Whole units still free in the fleet's budget after this order. */
  room: number;
}

const EPSILON_MS = 1e-6;

export function grantLease(tat: number, now: number, order: LeaseOrder): { tat: number; answer: LeaseAnswer } {
  const { intervalMs, burst } = order;
  let next = Math.max(tat, now) + order.debit * intervalMs;
  next = Math.max(now, next - order.giveBack * intervalMs);
  let granted = 0;
  let waitMs = 0;
  if (order.need > 0) {
    const backlog = next - now;
    const fits = Math.floor((burst * intervalMs - backlog) / intervalMs + EPSILON_MS);
    if (order.need > burst) {
      if (backlog <= EPSILON_MS) granted = Math.max(order.need, order.want);
    } else if (fits >= order.need) {
      granted = Math.min(Math.max(order.want, order.need), fits);
    }
    if (granted === 0) {
      waitMs = Math.max(1, Math.ceil(backlog + order.need * intervalMs - Math.max(burst, order.need) * intervalMs));
    }
    next += granted * intervalMs;
  }
  const room = Math.max(0, Math.floor((burst * intervalMs - (next - now)) / intervalMs + EPSILON_MS));
  return { tat: next, answer: { granted, waitMs, room } };
}
