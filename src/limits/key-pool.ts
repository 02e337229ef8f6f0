/**
 * A provider's keys. Requests rotate over usable keys; a key an upstream rejected (401/403) is taken out
 * as bad, a key out of quota is taken out until its reset. Key ids (`openai#1`) are safe to log; the keys
 * themselves never leave the Provider instances built with them.
 */

import type { Provider } from '../../providers/types.ts';
import type { Clock } from '../clock.ts';

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

  constructor(provider: string, keys: PooledKey[], clock: Clock) {
    this.provider = provider;
    this.keys = keys;
    this.clock = clock;
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

  /** Whether any key could serve now. */
  usable(): boolean {
    return this.keys.some((key) => this.stateOf(key.id) === 'ok');
  }

  mark(id: string, state: 'bad' | 'exhausted', retryAfterMs?: number): void {
    const pause = state === 'bad' ? BAD_KEY_PAUSE_MS : (retryAfterMs ?? EXHAUSTED_DEFAULT_MS);
    this.outUntil.set(id, { state, until: this.clock.now() + pause });
  }

  stateOf(id: string): KeyState {
    const out = this.outUntil.get(id);
    if (!out) return 'ok';
    if (out.until <= this.clock.now()) {
      this.outUntil.delete(id);
      return 'ok';
    }
    return out.state;
  }

  status(): Array<{ id: string; state: KeyState; until?: number }> {
    return this.keys.map((key) => {
      const state = this.stateOf(key.id);
      const until = this.outUntil.get(key.id)?.until;
      return state === 'ok' || until === undefined ? { id: key.id, state } : { id: key.id, state, until };
    });
  }
}
