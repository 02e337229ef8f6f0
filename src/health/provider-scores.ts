/**
 * Each provider's score (1 = perfectly healthy, 0 = nothing succeeds), recomputed from its windows at the
 * end of every cycle so reading one on the hot path is a map lookup.
 */
import { computeScore } from './compute-score.ts';
import type { WindowPair } from './window-summary.ts';

export class ProviderScores {
  readonly #scores = new Map<string, number>();
  readonly #p99AboveMs: number;

  constructor(p99AboveMs: number) {
    this.#p99AboveMs = p99AboveMs;
  }

  /** Scores every provider in `providers` and forgets the rest. */
  update(providers: Iterable<string>, windowsOf: (provider: string) => WindowPair): void {
    const seen = new Set<string>();
    for (const provider of providers) {
      const { short, long } = windowsOf(provider);
      this.#scores.set(provider, computeScore(short, long, this.#p99AboveMs));
      seen.add(provider);
    }
    for (const provider of this.#scores.keys()) if (!seen.has(provider)) this.#scores.delete(provider);
  }

  /** Unknown providers score 1. */
  of(provider: string): number {
    return this.#scores.get(provider) ?? 1;
  }
}
