/**
 * Requests waiting for budget when no target has any. Waiters are served in arrival order: whenever budget
 * may have freed (a request ended, a lease arrived, the clock reached the earliest wait a waiter was told),
 * each waiter in turn tries to take its budget, synchronously, so two waiters never wake for one slot and a
 * later waiter never overtakes an earlier one that could go.
 *
 * Bounded twice: at most `maxLength` waiters (the next one is refused at once), and each waiter leaves at its
 * own `until` (the queue's maximum wait, or the request's deadline if sooner), as soon as it is told of a wait
 * that would end past it, or when its client disconnects.
 */
import type { Clock } from '../clock.ts';

/** What one try at taking budget gives: the admission, or how long until trying again may help. */
export type TryResult<T> = { value: T } | { waitMs: number };

interface Waiter<T> {
  attempt: () => TryResult<T>;
  /** The keys it waits for (for `/health`'s queue length per key). */
  keys: readonly string[];
  until: number;
  nextTry: number;
  resolve: (value: T | undefined) => void;
}

export class WaitQueue {
  readonly maxLength: number;
  private readonly clock: Clock;
  private waiters: Array<Waiter<unknown>> = [];
  private cancelTimer: (() => void) | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private pumping = false;
  private pumpAgain = false;

  constructor(clock: Clock, maxLength: number) {
    this.clock = clock;
    this.maxLength = maxLength;
  }

  get length(): number {
    return this.waiters.length;
  }

  get full(): boolean {
    return this.waiters.length >= this.maxLength;
  }

  /**
   * Waits until `attempt` gives a value (resolved with it) or `until` passes (resolved with undefined).
   * Rejects with the signal's reason when the client leaves. The caller checks `full` first.
   */
  wait<T>(
    attempt: () => TryResult<T>,
    options: { firstWaitMs: number; until: number; signal: AbortSignal; keys: readonly string[] },
  ): Promise<T | undefined> {
    const { signal, until } = options;
    return new Promise<T | undefined>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.remove(waiter);
        reject(signal.reason);
      };
      // Stored without its type parameter: the queue only ever hands a waiter's own value back to it.
      const waiter: Waiter<unknown> = {
        attempt,
        keys: options.keys,
        until,
        nextTry: this.clock.now() + options.firstWaitMs,
        resolve: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value as T | undefined);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.schedule();
    });
  }

  /** Waiters that could be served by this key. */
  waitingFor(keyId: string): number {
    let count = 0;
    for (const waiter of this.waiters) if (waiter.keys.includes(keyId)) count++;
    return count;
  }

  /** Budget may have freed: let the waiters try, in arrival order. */
  notify(): void {
    if (this.waiters.length === 0) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.pump();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    this.schedule();
  }

  private pump(): void {
    const now = this.clock.now();
    for (const waiter of [...this.waiters]) {
      const result = waiter.attempt();
      if ('value' in result) {
        this.remove(waiter);
        waiter.resolve(result.value);
      } else if (now >= waiter.until || now + result.waitMs > waiter.until) {
        // Out of time, or told of a wait it cannot finish: it leaves now rather than at its bound. (An
        // unknown wait, Infinity, is a slot an ending request may free at any moment: it stays.)
        if (now < waiter.until && result.waitMs === Number.POSITIVE_INFINITY) {
          waiter.nextTry = Number.POSITIVE_INFINITY;
          continue;
        }
        this.remove(waiter);
        waiter.resolve(undefined);
      } else {
        waiter.nextTry = now + result.waitMs;
      }
    }
  }

  private remove(waiter: Waiter<unknown>): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
    if (this.waiters.length === 0) this.clearTimer();
  }

  /** One timer, at the earliest moment a waiter should try again or give up. */
  private schedule(): void {
    let at = Number.POSITIVE_INFINITY;
    for (const waiter of this.waiters) at = Math.min(at, waiter.nextTry, waiter.until);
    if (at === this.timerAt) return;
    this.clearTimer();
    if (at === Number.POSITIVE_INFINITY) return;
    this.timerAt = at;
    this.cancelTimer = this.clock.schedule(Math.max(0, at - this.clock.now()), () => {
      this.cancelTimer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.notify();
      this.schedule();
    });
  }

  private clearTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }
}
