/**
 * When the background cycle runs. Two drivers, one rhythm: a timer (Node) beats every flush interval and
 * reads back every `refreshEvery`-th beat; on runtimes that stop timers between requests (Workers) the hot
 * path asks `due()` instead, which starts a read once the snapshot is older than the refresh interval and a
 * flush once counts are pending and the flush interval has passed. Provider + model series only feed
 * reports, so a read includes them at most every `modelRefreshMs`.
 */

export interface CycleIntervals {
  flushIntervalMs: number;
  /** Every how many flushes a cycle also reads back. */
  refreshEvery: number;
  /** flushIntervalMs × refreshEvery. */
  refreshIntervalMs: number;
  modelRefreshMs: number;
}

/** The refresh interval is rounded to a multiple of the flush interval (at least one). */
export function cycleIntervals(flushIntervalMs = 250, refreshIntervalMs = 500, modelRefreshMs = 2000): CycleIntervals {
  const refreshEvery = Math.max(1, Math.round(refreshIntervalMs / flushIntervalMs));
  return { flushIntervalMs, refreshEvery, refreshIntervalMs: refreshEvery * flushIntervalMs, modelRefreshMs };
}

export class CycleSchedule {
  readonly #intervals: CycleIntervals;
  #lastCycleAt = -Infinity;
  #lastReadAt = -Infinity;
  #lastModelReadAt = -Infinity;

  constructor(intervals: CycleIntervals) {
    this.#intervals = intervals;
  }

  /** A cycle started at `now` (a read when `read`). */
  started(now: number, read: boolean): void {
    this.#lastCycleAt = now;
    if (read) this.#lastReadAt = now;
  }

  /** Whether a read starting at `now` should include the model series. */
  modelsDue(now: number): boolean {
    return now - this.#lastModelReadAt >= this.#intervals.modelRefreshMs;
  }

  /** A read that included the model series succeeded. */
  modelsRead(now: number): void {
    this.#lastModelReadAt = now;
  }

  /** The request-driven schedule: the cycle due now, if any. */
  due(now: number, hasPending: boolean): { read: boolean } | undefined {
    const read = now - this.#lastReadAt >= this.#intervals.refreshIntervalMs;
    if (!read && (!hasPending || now - this.#lastCycleAt < this.#intervals.flushIntervalMs)) return undefined;
    return { read };
  }
}

/**
 * Beats every flush interval while `ready()` (no cycle under way), reading on every `refreshEvery`-th beat
 * that ran. Does not keep a Node process alive. Returns the function that stops it.
 */
export function startCycleTimer(
  intervals: CycleIntervals,
  ready: () => boolean,
  beat: (read: boolean) => void,
): () => void {
  let beats = 0;
  const timer = setInterval(() => {
    if (!ready()) return;
    beats += 1;
    beat(beats % intervals.refreshEvery === 0);
  }, intervals.flushIntervalMs);
  unrefTimer(timer);
  return () => clearInterval(timer);
}

/** Lets Node exit while the timer runs; other runtimes have no unref. */
function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer && typeof timer.unref === 'function') {
    timer.unref();
  }
}
