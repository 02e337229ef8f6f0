/**
 * The targets one request may still try, in order: the plan's candidates that have a key pool, and, once per
 * request, a route's larger-context fallback in place of what was left. Answers the questions routing asks
 * about what lies ahead (providers not reached yet, a healthy alternative).
 */
import type { Route } from '../config/load-config.ts';
import type { HealthView } from '../health/types.ts';
import type { KeyPool } from '../limits/key-pool.ts';
import type { Candidate } from './plan.ts';

export class CandidateQueue {
  private items: Candidate[];
  private readonly pools: ReadonlyMap<string, KeyPool>;
  private contextFallbackUsed = false;

  constructor(candidates: readonly Candidate[], pools: ReadonlyMap<string, KeyPool>) {
    this.pools = pools;
    this.items = candidates.filter((candidate) => pools.has(candidate.provider));
  }

  get length(): number {
    return this.items.length;
  }

  at(index: number): Candidate | undefined {
    return this.items[index];
  }

  /**
   * Replaces what follows `index` with the fallback route's targets. False when the request already used its
   * one context fallback.
   */
  switchToContextFallback(index: number, fallback: Route): boolean {
    if (this.contextFallbackUsed) return false;
    this.contextFallbackUsed = true;
    this.items = [
      ...this.items.slice(0, index + 1),
      ...fallback.targets
        .filter((target) => this.pools.has(target.provider))
        .map((target) => ({ ...target, probe: false })),
    ];
    return true;
  }

  /** Providers later than `index` that this request has not reached yet: each still needs a first try. */
  untriedProvidersAfter(index: number): number {
    const seen = new Set(this.items.slice(0, index + 1).map((candidate) => candidate.provider));
    return new Set(
      this.items
        .slice(index + 1)
        .map((candidate) => candidate.provider)
        .filter((name) => !seen.has(name)),
    ).size;
  }

  /** A later provider, other than the one at `index`, that is healthy (or admitted as a probe) and has a key. */
  healthyAlternativeAfter(index: number, health: HealthView): boolean {
    const current = this.items[index]?.provider;
    return this.items.slice(index + 1).some((candidate) => {
      if (candidate.provider === current) return false;
      const state = health.get(candidate.provider).state;
      return (state === 'healthy' || candidate.probe) && (this.pools.get(candidate.provider)?.usable() ?? false);
    });
  }
}
