/**
 * Requests in flight per counter (a key, or a key's model budget): the state behind `maxConcurrency`. A
 * request holds its count from the moment it is sent until its answer has been read to the end (a stream
 * holds it until the stream ends), so the bound is the upstream's view of concurrency, not ours.
 */
export class InFlight {
  private readonly counts = new Map<string, number>();

  get(id: string): number {
    return this.counts.get(id) ?? 0;
  }

  add(id: string): void {
    this.counts.set(id, this.get(id) + 1);
  }

  remove(id: string): void {
    const next = this.get(id) - 1;
    if (next > 0) this.counts.set(id, next);
    else this.counts.delete(id);
  }
}
