/**
 * This instance's copy of every provider's shared record, and the only code that changes records in the
 * store. Changes go by compare-and-set, so two instances never move one provider differently; while the
 * store cannot be reached a change is kept locally with the version it was based on, and the next read
 * (`reconcile`) either pushes it or, when another instance moved the provider meanwhile, drops it for the
 * shared state. An operator's change (drain, restore) is pushed over whatever the store holds. With a store
 * that decides transitions itself, a local automatic change only ever stands in while it is unreachable:
 * the next read adopts the store's record, which has seen the evidence since.
 */
import type { HealthRecord } from './health-record.ts';
import type { HealthStore } from './health-store.ts';
import type { StoreStatus } from './store-status.ts';

export interface RecordEntry {
  record: HealthRecord;
  /** Set when the record changed while the store could not be reached: the store version it was based on. */
  unsyncedBase?: number;
  /** An operator's change: pushed over whatever the store holds. */
  manual?: boolean;
}

export class SharedRecords {
  readonly #entries = new Map<string, RecordEntry>();
  readonly #store: HealthStore;
  readonly #status: StoreStatus;
  readonly #initial: (provider: string) => HealthRecord;
  readonly #storeDecides: boolean;

  /** `initial`: the record of a provider nobody has reported on. */
  constructor(store: HealthStore, status: StoreStatus, initial: (provider: string) => HealthRecord) {
    this.#store = store;
    this.#status = status;
    this.#initial = initial;
    this.#storeDecides = store.decides === true;
  }

  entry(provider: string): RecordEntry {
    return this.#entries.get(provider) ?? { record: this.#initial(provider) };
  }

  /** The record known for the provider (undefined: none, i.e. healthy by default). */
  known(provider: string): HealthRecord | undefined {
    return this.#entries.get(provider)?.record;
  }

  providers(): IterableIterator<string> {
    return this.#entries.keys();
  }

  /**
   * Stores `next` in place of `entry`: compare-and-set when the store answers, locally (to be pushed later)
   * when it does not. Returns false when another instance got there first (the entry then holds its record).
   */
  async commit(provider: string, entry: RecordEntry, next: HealthRecord, manual: boolean): Promise<boolean> {
    const keepLocal = () => {
      this.#entries.set(provider, {
        record: next,
        unsyncedBase: entry.unsyncedBase ?? entry.record.version,
        ...(manual || entry.manual ? { manual: true } : {}),
      });
      return true;
    };
    if (!manual && (this.#status.degraded || entry.unsyncedBase !== undefined)) return keepLocal();
    try {
      const result = await this.#store.compareAndSet(entry.record.version, next);
      if (result.applied) {
        this.#entries.set(provider, { record: next });
        return true;
      }
      this.#adopt(provider, result.current);
      return false;
    } catch (err) {
      this.#status.failed(err);
      return keepLocal();
    }
  }

  /** An operator's change that lost every compare-and-set race: kept locally, pushed by the next read. */
  keepManual(provider: string, next: HealthRecord, basedOn: number): void {
    this.#entries.set(provider, { record: next, unsyncedBase: basedOn, manual: true });
  }

  /** After a read: adopt the store's records, pushing local changes made while it was unreachable. */
  async reconcile(stored: Map<string, HealthRecord>): Promise<void> {
    const providers = new Set<string>([...stored.keys(), ...this.#entries.keys()]);
    for (const provider of providers) {
      const current = stored.get(provider);
      const entry = this.#entries.get(provider);
      if (entry?.unsyncedBase === undefined) {
        this.#adopt(provider, current);
        continue;
      }
      const storedVersion = current?.version ?? 0;
      if (!entry.manual && (this.#storeDecides || storedVersion !== entry.unsyncedBase)) {
        // Another instance (or the deciding store) moved this provider meanwhile: the shared state wins.
        this.#adopt(provider, current);
        continue;
      }
      const next = { ...entry.record, version: storedVersion + 1 };
      try {
        const result = await this.#store.compareAndSet(storedVersion, next);
        this.#adopt(provider, result.applied ? next : result.current);
      } catch (err) {
        this.#status.failed(err);
        return;
      }
    }
  }

  #adopt(provider: string, record: HealthRecord | undefined): void {
    if (record) this.#entries.set(provider, { record });
    else this.#entries.delete(provider);
  }
}
