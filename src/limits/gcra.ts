/**
 * The rate algorithm behind every per-minute budget: GCRA (the generic cell rate algorithm, the "leaky bucket
 * as a meter" of ATM networks; also what redis-cell and Stripe's limiters use). Pure functions over one number
 * of state, the theoretical arrival time `tat`: the moment the budget would be whole again if nothing more
 * were sent. Each unit spent pushes `tat` one emission interval (60 000 ms / limit) further.
 *
 * Why GCRA: a fixed minute window lets the whole minute's budget go in its first second, and providers do
 * not count that way (OpenAI: "60 RPM may be enforced as 1 request per second"). GCRA spaces requests evenly
 * and allows exactly `burst` units at once from a rested budget. The burst is one second's worth of the
 * limit, at least one unit: 60 RPM sends one request a second, 600 RPM ten at once and then ten a second.
 *
 * A request that costs more than the burst (a token charge of 800 against a 1000 TPM budget has a burst of
 * 17) is admitted only when the budget is whole, and then owes its full cost: the next one waits until it is
 * repaid. So over any stretch of time the budget spends at most its rate plus one burst, and a provider
 * whose own bucket holds a whole minute (OpenAI, Anthropic) always has room for what we send.
 */

export interface RateSpec {
  /** Milliseconds it takes to earn one unit back: 60 000 / per-minute limit. */
  intervalMs: number;
  /** Units a rested budget may spend at once. */
  burst: number;
}

export type RateDecision = { ok: true; tat: number } | { ok: false; waitMs: number };

/** Float slack so that a wait computed from `tat` and then slept exactly is admitted. */
const EPSILON_MS = 1e-6;

/** One second's worth of a per-minute limit, at least one unit. */
export function defaultBurst(perMinute: number): number {
  return Math.max(1, Math.ceil(perMinute / 60));
}

export function rateSpec(perMinute: number, burst: number = defaultBurst(perMinute)): RateSpec {
  return { intervalMs: 60_000 / perMinute, burst };
}

/**
 * Whether `cost` units may be spent at `now`, and the new `tat` if so; otherwise how long until they may.
 * Rule: the backlog (how far `tat` is ahead of now) plus this cost must fit in the burst, or in the cost
 * itself when the cost is larger than the burst (then only a whole budget admits it).
 */
export function admit(tat: number, now: number, cost: number, spec: RateSpec): RateDecision {
  const start = Math.max(tat, now);
  const after = start + cost * spec.intervalMs;
  const allowance = Math.max(spec.burst, cost) * spec.intervalMs;
  const overBy = after - now - allowance;
  if (overBy <= EPSILON_MS) return { ok: true, tat: after };
  return { ok: false, waitMs: overBy };
}

/** Spends unconditionally (a charge already sent, settled later): the budget may go into debt. */
export function charge(tat: number, now: number, cost: number, spec: RateSpec): number {
  return Math.max(tat, now) + cost * spec.intervalMs;
}

/** Gives back units charged but never sent. The budget never becomes fuller than rested. */
export function refund(tat: number, now: number, units: number, spec: RateSpec): number {
  return Math.max(now, tat - units * spec.intervalMs);
}

/** Whole units a request could spend right now (what `/health` shows as left). */
export function available(tat: number, now: number, spec: RateSpec): number {
  const backlog = Math.max(0, tat - now);
  return Math.max(0, Math.floor(spec.burst - backlog / spec.intervalMs + EPSILON_MS));
}
