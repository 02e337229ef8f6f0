/**
 * A provider's keys. Requests rotate over usable keys; a key an upstream rejected (401/403) is taken out
 * as bad, a key out of quota is taken out until its reset. Key ids (`openai#1`) are safe to log; the keys
 * themselves never leave the Provider instances built with them. A key the start-up check found bad
 * (key-checks.ts) stays out until a later check passes.
 */

import type { Provider } from '../../providers/types.ts';
import type { Clock } from '../clock.ts';
import type { KeyCheckBoard, KeyCheckEntry } from './key-checks.ts';

export interface PooledKey {
  /** Safe identifier: provider name and 1-based position in the configuration. */
  id: string;
  provider: Provider;
}

export type KeyState = 'ok' | 'bad' | 'exhausted';

/** How long a rejected key stays out before it is tried again (the operator may have fixed it). */
const BAD_KEY_PAUSE_MS = 10 * 60_000;
/** Quota exhaustion without a stated reset: most quotas are per minute or per day; check hourly. */
const EXHAUSTED_DEFAULT_MS = 60 * 60_000;

export class KeyPool {
  readonly provider: string;
  private readonly keys: PooledKey[];
  private readonly clock: Clock;
  private readonly outUntil = new Map<string, { state: KeyState; until: number }>();
  private cursor = 0;
  private readonly checks: KeyCheckBoard | undefined;

  constructor(provider: string, keys: PooledKey[], clock: Clock, checks?: KeyCheckBoard) {
    this.provider = provider;
    this.keys = keys;
    this.clock = clock;
    this.checks = checks;
  }

  /** Every key, for the key checks. */
  all(): readonly PooledKey[] {
    return this.keys;
  }

  /** The provider's fallback model (every key of a pool is the same provider, so the first one says). */
  get defaultModel(): string {
    return this.keys[0]?.provider.defaultModel ?? '';
  }

  get size(): number {
    return this.keys.length;
  }

  /** The next usable key not in `exclude`, rotating so load spreads over the pool. */
  next(exclude: ReadonlySet<string> = new Set()): PooledKey | undefined {
    for (let step = 0; step < this.keys.length; step++) {
      const key = this.keys[(this.cursor + step) % this.keys.length];
      if (!key || exclude.has(key.id) || this.stateOf(key.id) !== 'ok') continue;
      this.cursor = (this.cursor + step + 1) % this.keys.length;
      return key;
    }
    return undefined;
  }

  /**
   * `next`, except that a key whose start-up check is still running is waited for (briefly: the board's
   * hold), and skipped if the check found it bad. Only called while some check holds requests.
   */
  async nextChecked(exclude: ReadonlySet<string> = new Set()): Promise<PooledKey | undefined> {
    const skipped = new Set(exclude);
    for (;;) {
      const key = this.next(skipped);
      const hold = key && this.checks?.held(key.id);
      if (!key || !hold) return key;
      await hold;
      if (this.stateOf(key.id) === 'ok') return key;
      skipped.add(key.id);
    }
  }

  /** Whether a start-up check holds requests for one of this pool's keys. */
  get checking(): boolean {
    return this.checks?.holding === true && this.keys.some((key) => this.checks?.held(key.id));
  }

  /** Whether any key not in `exclude` could serve now. A question only: the rotation does not move. */
  usable(exclude: ReadonlySet<string> = new Set()): boolean {
    return this.keys.some((key) => !exclude.has(key.id) && this.stateOf(key.id) === 'ok');
  }

  mark(id: string, state: 'bad' | 'exhausted', retryAfterMs?: number): void {
    const pause = state === 'bad' ? BAD_KEY_PAUSE_MS : (retryAfterMs ?? EXHAUSTED_DEFAULT_MS);
    this.outUntil.set(id, { state, until: this.clock.now() + pause });
  }

  stateOf(id: string): KeyState {
    if (this.checks?.isBad(id)) return 'bad';
    const out = this.outUntil.get(id);
    if (!out) return 'ok';
    if (out.until <= this.clock.now()) {
      this.outUntil.delete(id);
      return 'ok';
    }
    return out.state;
  }

  status(): Array<{ id: string; state: KeyState; until?: number; check?: KeyCheckEntry }> {
    return this.keys.map((key) => {
      const state = this.stateOf(key.id);
      const until = this.outUntil.get(key.id)?.until;
      const check = this.checks?.get(key.id);
      return {
        id: key.id,
        state,
        ...(state !== 'ok' && until !== undefined && !this.checks?.isBad(key.id) ? { until } : {}),
        ...(check ? { check } : {}),
      };
    });
  }
}
