/**
 * Identical cacheable requests in flight at the same time share one upstream call. The first one leads; the
 * others follow and wait for the leader's complete answer (a streaming follower then gets it as a replayed
 * stream). The upstream call belongs to the flight, not to the leader's client: it is cancelled only when
 * every participant, leader included, has gone, so a follower leaving never cancels it, and neither does a
 * leader leaving while followers wait.
 */
import type { CachedAnswer } from './cache-store.ts';

export type FlightResult = { ok: true; answer: CachedAnswer } | { ok: false; error: unknown };

export class Flight {
  readonly controller = new AbortController();
  readonly result: Promise<FlightResult>;
  private participants = 0;
  private settle!: (result: FlightResult) => void;
  private settled = false;
  private readonly onSettled: () => void;

  constructor(onSettled: () => void) {
    this.onSettled = onSettled;
    this.result = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** Counts a participant until `signal` aborts or `leave` is called; returns that `leave`. */
  join(signal: AbortSignal): () => void {
    this.participants++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      signal.removeEventListener('abort', leave);
      if (--this.participants === 0 && !this.settled)
        this.controller.abort(new Error('every client of this request left'));
    };
    if (signal.aborted) leave();
    else signal.addEventListener('abort', leave, { once: true });
    return leave;
  }

  succeed(answer: CachedAnswer): void {
    this.finish({ ok: true, answer });
  }

  fail(error: unknown): void {
    this.finish({ ok: false, error });
  }

  private finish(result: FlightResult): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettled();
    this.settle(result);
  }
}

/**
 * Flights by cache key and by whether their answer will carry usage: a follower that needs token counts (a
 * JSON request, or a stream with include_usage) never waits on a stream that will have none.
 */
export class Flights {
  private readonly flights = new Map<string, Flight>();

  find(key: string, needsUsage: boolean): Flight | undefined {
    return this.flights.get(`${key}+u`) ?? (needsUsage ? undefined : this.flights.get(`${key}-u`));
  }

  /** A new flight, or undefined when one with the same key and shape is already in the air. */
  start(key: string, providesUsage: boolean): Flight | undefined {
    const id = `${key}${providesUsage ? '+u' : '-u'}`;
    if (this.flights.has(id)) return undefined;
    const flight: Flight = new Flight(() => {
      if (this.flights.get(id) === flight) this.flights.delete(id);
    });
    this.flights.set(id, flight);
    return flight;
  }

  get size(): number {
    return this.flights.size;
  }
}
