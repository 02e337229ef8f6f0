/**
 * What this instance has seen of each provider beyond the windows: provider-fault failures in a row (the
 * fast trip's consecutive count) and probe outcomes not yet folded into the record. Both are per instance:
 * a window merges by summing across instances, a streak does not.
 */
import type { OutcomeSignals } from './classify-outcome.ts';
import type { ProbeTally } from './decide-transition.ts';

export class ProviderEvidence {
  readonly #streaks = new Map<string, number>();
  readonly #probes = new Map<string, ProbeTally>();

  /** One outcome: a provider fault extends the streak, a success ends it; a probe's verdict is tallied. */
  note(provider: string, signals: Pick<OutcomeSignals, 'class'>, probe: boolean): void {
    if (signals.class === 'provider_fault') this.#streaks.set(provider, (this.#streaks.get(provider) ?? 0) + 1);
    else if (signals.class === 'success') this.#streaks.set(provider, 0);
    // A client's fault says nothing about the provider, probe or not.
    if (probe && signals.class !== 'client_fault') {
      const tally = this.#probes.get(provider) ?? { ok: 0, failed: 0 };
      if (signals.class === 'success') tally.ok += 1;
      else tally.failed += 1;
      this.#probes.set(provider, tally);
    }
  }

  /** Provider-fault failures in a row. */
  streak(provider: string): number {
    return this.#streaks.get(provider) ?? 0;
  }

  /** Probe outcomes since the tally was last cleared. */
  probes(provider: string): ProbeTally {
    return this.#probes.get(provider) ?? { ok: 0, failed: 0 };
  }

  clearStreak(provider: string): void {
    this.#streaks.delete(provider);
  }

  clearProbes(provider: string): void {
    this.#probes.delete(provider);
  }

  /** Providers with a tally, then providers with a streak (reported on, even if only successes). */
  providers(): string[] {
    return [...this.#probes.keys(), ...this.#streaks.keys()];
  }
}
