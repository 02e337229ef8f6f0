/**
 * Reads a stream under the idle timeout with one timer and one abort promise per attempt, instead of a timer
 * and an abort listener per chunk (which the overhead benchmark showed costing about 0.3 ms per request).
 * Only time spent waiting on the upstream counts as idle: a slow client does not time out the provider.
 */
import type { Clock } from '../clock.ts';

export class IdleWatch {
  private readonly clock: Clock;
  private readonly idleMs: number;
  private readonly onIdle: () => void;
  private readonly signal: AbortSignal;
  /** Rejects the read in progress; set while waiting on the upstream. */
  private rejectCurrent: ((reason: unknown) => void) | undefined;
  private waitingSince: number | undefined;
  private cancelTimer: (() => void) | undefined;
  private stopped = false;

  constructor(clock: Clock, idleMs: number, signal: AbortSignal, onIdle: () => void) {
    this.clock = clock;
    this.idleMs = idleMs;
    this.onIdle = onIdle;
    this.signal = signal;
    // One listener per attempt (a Promise.race per chunk against a long-lived promise measured slower).
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = (): void => this.rejectCurrent?.(this.signal.reason);

  /** `iterator.next()`, rejected as soon as the attempt's signal aborts (also when the upstream ignores it). */
  next<T>(iterator: AsyncIterator<T>): Promise<IteratorResult<T>> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    this.waitingSince = this.clock.now();
    if (!this.cancelTimer && !this.stopped) this.arm(this.idleMs);
    const read = iterator.next();
    return new Promise((resolve, reject) => {
      this.rejectCurrent = reject;
      read.then(
        (result) => {
          this.settle();
          resolve(result);
        },
        (error: unknown) => {
          this.settle();
          reject(error);
        },
      );
    });
  }

  private settle(): void {
    this.waitingSince = undefined;
    this.rejectCurrent = undefined;
  }

  stop(): void {
    this.stopped = true;
    // Removed, not left for the GC: Node keeps a signal made by AbortSignal.any() alive, with everything its
    // listeners hold, until it aborts (`gcPersistentSignals`), and an attempt that succeeded never aborts.
    // Left in place, this listener kept every finished attempt (IdleWatch, its stream, the SDK's response)
    // reachable: about 10 KB per translated request (bench/overhead/soak-memory.ts).
    this.signal.removeEventListener('abort', this.onAbort);
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private arm(ms: number): void {
    this.cancelTimer = this.clock.schedule(ms, () => {
      this.cancelTimer = undefined;
      if (this.stopped) return;
      const waited = this.waitingSince === undefined ? 0 : this.clock.now() - this.waitingSince;
      if (waited >= this.idleMs) this.onIdle();
      else this.arm(this.idleMs - waited);
    });
  }
}
