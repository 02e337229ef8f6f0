/**
 * The monitor's background work runs one task at a time, in order: a cycle, a drain, a restore. That is
 * what lets the state units assume no interleaving of their own store calls. A failed task rejects its own
 * promise only; the queue goes on.
 */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;

  /** Whether a task is queued or running. */
  get busy(): boolean {
    return this.#queued > 0;
  }

  run(task: () => Promise<void>): Promise<void> {
    this.#queued += 1;
    const run = this.#tail.then(task).finally(() => {
      this.#queued -= 1;
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every task queued so far, and any they queued meanwhile, has finished. */
  async idle(): Promise<void> {
    while (this.#queued > 0) await this.#tail;
  }
}
