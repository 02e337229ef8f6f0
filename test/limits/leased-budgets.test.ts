/**
 * Fleet-wide budgets without a round trip per request: instances spend locally (on leased units, or on
 * credit while the fleet has room) and settle in the background. Two instances on one memory store,
 * driven by a ManualClock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BudgetStore } from '../../src/limits/budget-store.ts';
import { LeaseSync } from '../../src/limits/lease-sync.ts';
import { LeasedRate } from '../../src/limits/leased-rate.ts';
import { createMemoryBudgetStore } from '../../src/limits/memory-budget-store.ts';
import { ManualClock } from '../support/manual-clock.ts';

function instance(store: BudgetStore, clock: ManualClock, limit: number) {
  let changes = 0;
  const sync = new LeaseSync({ store, clock, intervalMs: 100, leaseTtlMs: 2000, onChange: () => changes++ });
  const rate = new LeasedRate('openai#1|*|rpm', limit, { leaseTtlMs: sync.leaseTtlMs, onDemand: () => sync.poke() });
  sync.add(rate);
  return {
    sync,
    rate,
    changes: () => changes,
    /** Sends one request if the budget allows it now. */
    trySend(): boolean {
      if (rate.waitMs(1, clock.now()) > 0) return false;
      rate.spend(1, clock.now());
      return true;
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('leased budgets', () => {
  it('two instances with 10 RPM send about 10 requests a minute together, none waiting for the store', async () => {
    const clock = new ManualClock();
    const store = createMemoryBudgetStore();
    const a = instance(store, clock, 10);
    const b = instance(store, clock, 10);
    let sent = 0;
    // Both keep asking every 250 ms for two minutes; each sync runs between the asks.
    const sentAt: number[] = [];
    for (let step = 0; step < 480; step++) {
      for (const node of [a, b]) {
        if (node.trySend()) {
          sent++;
          sentAt.push(clock.now());
        }
      }
      await Promise.all([a.sync.sync(), b.sync.sync()]);
      clock.advance(250);
    }
    const firstMinute = sentAt.filter((at) => at < sentAt[0]! + 60_000).length;
    assert.ok(firstMinute <= 11, `first minute: ${firstMinute}`);
    assert.ok(sent >= 19 && sent <= 22, `two minutes: ${sent}`);
    // The first request of each went at once, on credit.
    assert.equal(sentAt[0], sentAt[1]);
  });

  it('leases a slice when credit is gone, and gives back what it did not spend', async () => {
    const clock = new ManualClock();
    const store = createMemoryBudgetStore();
    const a = instance(store, clock, 600); // burst 10
    for (let i = 0; i < 10; i++) assert.ok(a.trySend(), `credit ${i}`);
    assert.equal(a.trySend(), false, 'one burst of credit at most');
    await a.sync.sync(); // charges the 10, asks for more: the fleet has none left this instant
    assert.equal(a.rate.left(clock.now()), 0);
    clock.advance(500); // five units earned back
    await a.sync.sync();
    assert.equal(a.rate.left(clock.now()), 5);
    assert.ok(a.changes() >= 2, 'waiting requests are told when a lease arrives');
    clock.advance(2000); // the lease expires unspent
    await a.sync.sync();
    const other = instance(store, clock, 600);
    await other.sync.sync();
    for (let i = 0; i < 10; i++) assert.ok(other.trySend(), `the returned units are free again (${i})`);
  });

  it('keeps a conservative local share while the store is unreachable, and says so', async () => {
    const clock = new ManualClock();
    const store = createMemoryBudgetStore();
    let down = false;
    const flaky: BudgetStore = {
      kind: 'redis',
      sync: (request) => (down ? Promise.reject(new Error('connect ECONNREFUSED')) : store.sync(request)),
      close: () => store.close(),
    };
    const a = instance(flaky, clock, 120);
    const b = instance(store, clock, 120);
    await Promise.all([a.sync.sync(), b.sync.sync()]);
    await a.sync.sync();
    assert.equal(a.sync.status().instances, 2);
    down = true;
    await a.sync.sync();
    assert.deepEqual(a.sync.status(), {
      store: 'redis',
      degraded: true,
      instances: 2,
      localShare: 0.5,
      lastError: 'connect ECONNREFUSED',
    });
    // Half of 120 RPM: one a second (burst 1), not two.
    let sent = 0;
    for (let ms = 0; ms < 10_000; ms += 100) {
      if (a.trySend()) sent++;
      clock.advance(100);
    }
    assert.equal(sent, 10);
    down = false;
    await a.sync.sync();
    assert.equal(a.sync.status().degraded, false);
    await settle();
  });
});
