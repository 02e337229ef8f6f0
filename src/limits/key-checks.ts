/**
 * What the key checks found, per key id (`openai#1`): the one piece of state the checks keep. The key pools
 * read it (a key whose check said `bad` is not used for chat), /health shows it, and the checks' runner
 * (check-keys.ts) writes it. A check still running may hold the requests that picked its key for a moment
 * (`holdMs`, Node at start-up), so that the first requests do not beat the check to a bad key.
 */
import type { KeyCheckResult } from '../../providers/types.ts';

export type KeyCheckState = KeyCheckResult['state'] | 'pending';

export interface KeyCheckEntry {
  /** The last check's finding; `pending` until the first one ends (a key being checked again keeps its own). */
  state: KeyCheckState;
  /** Short and safe (`http_401 invalid_api_key`, `timeout`); absent while pending. */
  reason?: string;
  status?: number;
  /** When the last check ended (or the first started). */
  at: number;
  /** A check of this key is running. */
  running?: true;
}

export class KeyCheckBoard {
  private readonly entries = new Map<string, KeyCheckEntry>();
  private readonly holds = new Map<string, Promise<void>>();

  /** A check of `id` started; with `hold`, requests that pick the key wait for it (see `held`). */
  start(id: string, at: number, hold?: Promise<void>): void {
    const previous = this.entries.get(id);
    this.entries.set(id, previous ? { ...previous, running: true } : { state: 'pending', at, running: true });
    if (hold) this.holds.set(id, hold);
  }

  finish(id: string, result: KeyCheckResult, at: number): void {
    this.entries.set(id, {
      state: result.state,
      reason: result.reason,
      ...(result.status === undefined ? {} : { status: result.status }),
      at,
    });
    this.holds.delete(id);
  }

  /** The check of `id` stops holding requests (its hold ran out; the check itself may go on). */
  release(id: string): void {
    this.holds.delete(id);
  }

  get(id: string): KeyCheckEntry | undefined {
    return this.entries.get(id);
  }

  isBad(id: string): boolean {
    return this.entries.get(id)?.state === 'bad';
  }

  /** Resolves when the running check of `id` ends or stops holding requests; undefined when none holds. */
  held(id: string): Promise<void> | undefined {
    return this.holds.get(id);
  }

  /** Whether any check holds requests right now (lets the request path skip the wait entirely). */
  get holding(): boolean {
    return this.holds.size > 0;
  }

  /** Keys found bad whose check ended before `before`: due for another check. */
  badSince(before: number): string[] {
    return [...this.entries]
      .filter(([, entry]) => entry.state === 'bad' && !entry.running && entry.at < before)
      .map(([id]) => id);
  }
}
