/**
 * What is known of each provider beyond the windows: provider-fault failures in a row (the fast trip's
 * consecutive count) and probe outcomes not yet folded into the record. A window merges by summing across
 * instances; a streak does not, so each monitor keeps its own — except where one place decides for everyone
 * (the Durable Object on Workers): there isolates send what their batches add (`EvidenceDelta`), and the
 * object folds the batches in the order they arrive into one streak per provider.
 */
import type { OutcomeSignals } from './classify-outcome.ts';
import type { ProbeTally } from './decide-transition.ts';

/** What one batch adds to a provider's evidence. */
export interface EvidenceDelta {
  /** A success in the batch ended the streak: it restarts at `failures`. */
  reset: boolean;
  /** Provider-fault failures after the batch's last success (all of the batch's, when not `reset`). */
  failures: number;
  probeOk: number;
  probeFailed: number;
}

/** Provider → what this batch adds. */
export type EvidenceBatch = Map<string, EvidenceDelta>;

/** Folds one outcome into a batch. */
export function addToBatch(
  batch: EvidenceBatch,
  provider: string,
  signals: Pick<OutcomeSignals, 'class'>,
  probe: boolean,
): void {
  const delta = batch.get(provider) ?? { reset: false, failures: 0, probeOk: 0, probeFailed: 0 };
  if (signals.class === 'provider_fault') delta.failures += 1;
  else if (signals.class === 'success') {
    delta.reset = true;
    delta.failures = 0;
  }
  if (probe && signals.class === 'success') delta.probeOk += 1;
  else if (probe && signals.class === 'provider_fault') delta.probeFailed += 1;
  batch.set(provider, delta);
}

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

  /** Another instance's batch, applied after everything absorbed before it. */
  absorb(batch: EvidenceBatch): void {
    for (const [provider, delta] of batch) {
      if (delta.reset) this.#streaks.set(provider, delta.failures);
      else if (delta.failures > 0) this.#streaks.set(provider, this.streak(provider) + delta.failures);
      if (delta.probeOk + delta.probeFailed > 0) {
        const tally = this.#probes.get(provider) ?? { ok: 0, failed: 0 };
        tally.ok += delta.probeOk;
        tally.failed += delta.probeFailed;
        this.#probes.set(provider, tally);
      }
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

  /** Forgets every probe tally (handed to the store that decides). */
  clearAllProbes(): void {
    this.#probes.clear();
  }

  /** Providers with a tally, then providers with a streak (reported on, even if only successes). */
  providers(): string[] {
    return [...this.#probes.keys(), ...this.#streaks.keys()];
  }
}
