/**
 * The window counts this instance holds, by where they are on their way to the store. A count is in
 * exactly one place: pending (recorded, not sent) → outbox (sent, not yet acknowledged) → unread
 * (acknowledged by a write-only cycle, not yet part of a read) → snapshot (the merged windows as last read).
 * A window is the sum over all four, so an evaluation never misses a local count and never counts one twice.
 *
 * The outbox is kept, not merged back, until the store acknowledges it: a timed-out flush may still have been
 * applied, so its retry must carry the same sequence number for the store to skip it. For a store that decides
 * transitions, the batch also carries the evidence recorded with its counts (`addEvidence`), under the same
 * sequence number, so a retry never counts a failure or a probe twice.
 */
import type { OutcomeSignals } from './classify-outcome.ts';
import type { WindowOptions } from './health-options.ts';
import { addToBatch, type EvidenceBatch } from './provider-evidence.ts';
import { isModelSeries, isSeriesOf, modelSeriesId, parseSeriesId, providerSeriesId } from './series-id.ts';
import { addSignals, emptyCounts, mergeSeries, pruneSeries, type SeriesSlots, type SlotMap } from './slot-counts.ts';
import { summarizeWindows, type WindowPair } from './window-summary.ts';

/** One flush: this writer's counts under a sequence number that grows per writer. */
export interface Batch {
  seq: number;
  data: SeriesSlots;
  /** Present when evidence was recorded (only for a store that decides). */
  evidence?: EvidenceBatch;
}

export class SeriesBuffer {
  /** Identifies this instance's batches to the store (its sequence numbers are per writer). */
  readonly writerId = globalThis.crypto.randomUUID();
  readonly #windows: WindowOptions;
  readonly #longSlots: number;
  /** Upper bound on distinct series kept: clients choose model names on passthrough routes. */
  readonly #maxSeries: number;
  #pending: SeriesSlots = new Map();
  #pendingEvidence: EvidenceBatch = new Map();
  #outbox: Batch | undefined;
  #seq = 0;
  readonly #unread: SeriesSlots = new Map();
  #snapshot: SeriesSlots = new Map();
  readonly #ids = new Set<string>();

  constructor(windows: WindowOptions, maxSeries: number) {
    this.#windows = windows;
    this.#longSlots = windows.longMs / windows.slotMs;
    this.#maxSeries = maxSeries;
  }

  slotOf(time: number): number {
    return Math.floor(time / this.#windows.slotMs);
  }

  /** The oldest slot of the long window ending now. */
  firstSlot(now: number): number {
    return this.slotOf(now) - this.#longSlots + 1;
  }

  /** The slot an outcome that ended at `at` counts in; undefined when it is older than the long window. */
  slotFor(at: number, now: number): number | undefined {
    const current = this.slotOf(now);
    const slot = Number.isFinite(at) ? this.slotOf(at) : current;
    if (slot < this.firstSlot(now)) return undefined;
    return Math.min(slot, current);
  }

  /** Counts one outcome in the provider's series and (while under the cap) its provider + model series. */
  add(provider: string, model: string | undefined, slot: number, signals: OutcomeSignals): void {
    const providerId = providerSeriesId(provider);
    this.#ids.add(providerId);
    this.#count(providerId, slot, signals);
    if (typeof model !== 'string' || model === '') return;
    const modelId = modelSeriesId(provider, model);
    if (this.#ids.has(modelId) || this.#ids.size < this.#maxSeries) {
      this.#ids.add(modelId);
      this.#count(modelId, slot, signals);
    }
  }

  /** Evidence for a store that decides, sent with the counts recorded alongside it. */
  addEvidence(provider: string, signals: OutcomeSignals, probe: boolean): void {
    addToBatch(this.#pendingEvidence, provider, signals, probe);
  }

  get hasPending(): boolean {
    return this.#pending.size > 0 || this.#pendingEvidence.size > 0;
  }

  /** A batch was sent and not acknowledged: the next sync resends it. */
  get awaitingAck(): boolean {
    return this.#outbox !== undefined;
  }

  /** Drops slots older than `fromSlot` everywhere. */
  prune(fromSlot: number): void {
    pruneSeries(this.#pending, fromSlot);
    pruneSeries(this.#unread, fromSlot);
    pruneSeries(this.#snapshot, fromSlot);
    if (this.#outbox) pruneSeries(this.#outbox.data, fromSlot);
  }

  /** The batch to send: the unacknowledged one again, else everything pending (undefined: nothing). */
  take(): Batch | undefined {
    if (!this.#outbox && this.hasPending) {
      this.#seq += 1;
      this.#outbox = { seq: this.#seq, data: this.#pending };
      if (this.#pendingEvidence.size > 0) this.#outbox.evidence = this.#pendingEvidence;
      this.#pending = new Map();
      this.#pendingEvidence = new Map();
    }
    return this.#outbox;
  }

  /**
   * The store applied `sent` (the batch taken for this sync, if any) and, when it was a read, answered with
   * its merged `series` (including model series when `withModels`).
   */
  acknowledge(sent: Batch | undefined, series: SeriesSlots | undefined, withModels: boolean): void {
    this.#outbox = undefined;
    if (series) this.#adopt(series, withModels);
    else if (sent) mergeSeries(this.#unread, sent.data);
  }

  /** Forgets series that no longer hold any count. */
  forgetIdle(): void {
    for (const id of this.#ids) {
      if (!this.#snapshot.has(id) && !this.#unread.has(id) && !this.#pending.has(id) && !this.#outbox?.data.has(id)) {
        this.#ids.delete(id);
      }
    }
  }

  /** Deletes every count of a provider and its models (an operator's restore starts from fresh windows). */
  resetProvider(provider: string): void {
    for (const series of [this.#pending, this.#unread, this.#snapshot, this.#outbox?.data]) {
      if (!series) continue;
      for (const id of [...series.keys()]) if (isSeriesOf(id, provider)) series.delete(id);
    }
  }

  /** The short and long windows of a series ending now, ignoring slots before `fromSlot`. */
  windows(id: string, now: number, fromSlot = -Infinity): WindowPair {
    const sources: Array<SlotMap | undefined> = [
      this.#snapshot.get(id),
      this.#unread.get(id),
      this.#outbox?.data.get(id),
      this.#pending.get(id),
    ];
    return summarizeWindows(sources, now, this.#windows, fromSlot);
  }

  /** Providers with a series here. */
  providers(): string[] {
    const out: string[] = [];
    for (const id of this.#ids) {
      const name = parseSeriesId(id);
      if (name && name.model === undefined) out.push(name.provider);
    }
    return out;
  }

  /** Provider → its models with a series here, and their series ids. */
  models(): Map<string, Array<{ model: string; id: string }>> {
    const out = new Map<string, Array<{ model: string; id: string }>>();
    for (const id of this.#ids) {
      const name = parseSeriesId(id);
      if (!name || name.model === undefined) continue;
      const list = out.get(name.provider) ?? [];
      list.push({ model: name.model, id });
      out.set(name.provider, list);
    }
    return out;
  }

  #count(id: string, slot: number, signals: OutcomeSignals): void {
    let slots = this.#pending.get(id);
    if (!slots) {
      slots = new Map();
      this.#pending.set(id, slots);
    }
    let counts = slots.get(slot);
    if (!counts) {
      counts = emptyCounts();
      slots.set(slot, counts);
    }
    addSignals(counts, signals);
  }

  #adopt(series: SeriesSlots, withModels: boolean): void {
    if (withModels) {
      this.#snapshot = new Map();
      this.#unread.clear();
    } else {
      // Model series were not read: keep their last snapshot and their unread data.
      for (const id of [...this.#snapshot.keys()]) if (!isModelSeries(id)) this.#snapshot.delete(id);
      for (const id of [...this.#unread.keys()]) if (!isModelSeries(id)) this.#unread.delete(id);
    }
    for (const [id, slots] of series) {
      // The cap bounds memory whatever the store holds.
      if (isModelSeries(id) && !this.#ids.has(id) && this.#ids.size >= this.#maxSeries) continue;
      this.#ids.add(id);
      this.#snapshot.set(id, slots);
    }
  }
}
