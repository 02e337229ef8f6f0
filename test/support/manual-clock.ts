import type { Clock } from '../../src/clock.ts';

/**
 * A clock that only moves when told. `sleep` resolves when `advance` passes its wake-up time, so a test can
 * step through a backoff schedule instantly and assert exactly how long the gateway chose to wait.
 */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: Array<{ wake: number; resolve: () => void }> = [];
  /** Every sleep requested, in ms, in order (what the gateway decided to wait). */
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const sleeper = { wake: this.current + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  schedule(ms: number, fn: () => void): () => void {
    const sleeper = { wake: this.current + ms, resolve: fn };
    this.sleepers.push(sleeper);
    return () => {
      this.sleepers = this.sleepers.filter((s) => s !== sleeper);
    };
  }

  /** Move time forward, waking every sleeper whose time has come. */
  advance(ms: number): void {
    this.current += ms;
    const due = this.sleepers.filter((s) => s.wake <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.wake > this.current);
    for (const sleeper of due) sleeper.resolve();
  }

  /** Number of sleeps and scheduled timers currently pending. */
  get pending(): number {
    return this.sleepers.length;
  }
}
