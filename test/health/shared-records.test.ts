/**
 * Shared records on their own: compare-and-set against a real memory store, changes kept locally while the
 * store is down, and what the next read does with them (push, or yield to another instance's change;
 * an operator's change always wins).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type HealthRecord, initialRecord } from '../../src/health/health-record.ts';
import type { HealthStore } from '../../src/health/health-store.ts';
import { createMemoryHealthStore } from '../../src/health/memory-store.ts';
import { SharedRecords } from '../../src/health/shared-records.ts';
import { StoreStatus } from '../../src/health/store-status.ts';
import { ManualClock } from '../support/manual-clock.ts';

/** A memory store whose compare-and-set can be made to fail, as an unreachable Redis would. */
function flakyStore(): HealthStore & { down: boolean } {
  const inner = createMemoryHealthStore();
  const store = {
    ...inner,
    down: false,
    compareAndSet(expected: number, next: HealthRecord) {
      return store.down ? Promise.reject(new Error('connection refused')) : inner.compareAndSet(expected, next);
    },
  };
  return store;
}

function setup(store: ReturnType<typeof flakyStore> = flakyStore()) {
  const status = new StoreStatus(store.kind, new ManualClock(), () => undefined);
  const records = new SharedRecords(store, status, (provider) => initialRecord(provider, 0, 30_000));
  return { store, status, records };
}

const tripped = (record: HealthRecord, since = 1): HealthRecord => ({
  ...record,
  state: 'tripped',
  since,
  version: record.version + 1,
});

async function storedRecords(store: HealthStore): Promise<Map<string, HealthRecord>> {
  const result = await store.sync({
    batch: new Map(),
    now: 0,
    fromSlot: 0,
    toSlot: 0,
    ttlMs: 1,
    read: true,
    readModels: false,
  });
  return result.records ?? new Map();
}

describe('shared records', () => {
  it('an unknown provider has the initial record; a commit stores it with compare-and-set', async () => {
    const { store, records } = setup();
    const entry = records.entry('openai');
    assert.equal(entry.record.version, 0);
    assert.equal(records.known('openai'), undefined);
    assert.equal(await records.commit('openai', entry, tripped(entry.record), false), true);
    assert.equal(records.known('openai')?.state, 'tripped');
    assert.equal((await storedRecords(store)).get('openai')?.version, 1);
  });

  it('loses a race to another instance and then holds the winner’s record', async () => {
    const store = flakyStore();
    const a = setup(store).records;
    const b = setup(store).records;
    const base = a.entry('openai');
    assert.equal(await b.commit('openai', b.entry('openai'), { ...tripped(base.record, 7), reason: 'b' }, false), true);
    assert.equal(await a.commit('openai', base, { ...tripped(base.record, 9), reason: 'a' }, false), false);
    assert.equal(a.known('openai')?.reason, 'b');
  });

  it('keeps a change locally while the store is down, then pushes it on the next read', async () => {
    const { store, status, records } = setup();
    store.down = true;
    const entry = records.entry('openai');
    assert.equal(await records.commit('openai', entry, tripped(entry.record), false), true);
    assert.equal(status.degraded, true);
    assert.equal(records.entry('openai').unsyncedBase, 0);
    // While degraded, further changes stay local without asking the store.
    const next = records.entry('openai');
    assert.equal(await records.commit('openai', next, { ...next.record, state: 'probing', version: 2 }, false), true);
    store.down = false;
    await records.reconcile(await storedRecords(store));
    assert.equal((await storedRecords(store)).get('openai')?.state, 'probing');
    assert.equal(records.entry('openai').unsyncedBase, undefined);
  });

  it('drops a local change when another instance moved the provider meanwhile — unless an operator made it', async () => {
    const store = flakyStore();
    const a = setup(store);
    const other = setup(store).records;
    store.down = true;
    await a.records.commit('openai', a.records.entry('openai'), tripped(a.records.entry('openai').record), false);
    await a.records.commit(
      'gemini',
      a.records.entry('gemini'),
      { ...tripped(a.records.entry('gemini').record), state: 'drained' },
      true,
    );
    store.down = false;
    for (const provider of ['openai', 'gemini']) {
      const e = other.entry(provider);
      await other.commit(provider, e, { ...tripped(e.record, 50), reason: 'other' }, false);
    }
    await a.records.reconcile(await storedRecords(store));
    assert.equal(a.records.known('openai')?.reason, 'other', 'the shared state wins over an automatic change');
    assert.equal(a.records.known('gemini')?.state, 'drained', 'an operator’s change is pushed over it');
    assert.equal((await storedRecords(store)).get('gemini')?.state, 'drained');
  });

  it('a manual change that lost every race is kept and pushed by the next read', async () => {
    const { store, records } = setup();
    const other = setup(store).records;
    const e = other.entry('openai');
    await other.commit('openai', e, tripped(e.record), false);
    records.keepManual('openai', { ...initialRecord('openai', 0, 1), state: 'drained', version: 1 }, 0);
    await records.reconcile(await storedRecords(store));
    const stored = (await storedRecords(store)).get('openai');
    assert.equal(stored?.state, 'drained');
    assert.equal(stored?.version, 2);
  });

  it('a record deleted from the store is forgotten on the next read', async () => {
    const { records } = setup();
    const e = records.entry('openai');
    await records.commit('openai', e, tripped(e.record), false);
    await records.reconcile(new Map());
    assert.equal(records.known('openai'), undefined);
    assert.deepEqual([...records.providers()], []);
  });
});
