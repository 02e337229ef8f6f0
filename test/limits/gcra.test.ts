import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { admit, available, charge, defaultBurst, rateSpec, refund } from '../../src/limits/gcra.ts';

/** Admits `cost` at `now` or fails the test; returns the new state. */
function spend(tat: number, now: number, cost: number, spec = rateSpec(60)): number {
  const decision = admit(tat, now, cost, spec);
  assert.ok(decision.ok, `expected ${cost} to fit at ${now}`);
  return decision.tat;
}

describe('GCRA', () => {
  it('spaces 60 RPM one request a second: one at once, the next after exactly a second', () => {
    const spec = rateSpec(60);
    assert.equal(spec.burst, 1);
    let tat = spend(0, 1000, 1, spec);
    const refused = admit(tat, 1000, 1, spec);
    assert.deepEqual(refused.ok, false);
    assert.ok(!refused.ok && Math.abs(refused.waitMs - 1000) < 1e-6);
    assert.equal(admit(tat, 1999, 1, spec).ok, false);
    tat = spend(tat, 2000, 1, spec);
    assert.equal(available(tat, 2000, spec), 0);
  });

  it('lets a rested 600 RPM budget send its burst of ten at once, then ten a second', () => {
    const spec = rateSpec(600);
    assert.equal(spec.burst, 10);
    let tat = 0;
    for (let i = 0; i < 10; i++) tat = spend(tat, 0, 1, spec);
    assert.equal(admit(tat, 0, 1, spec).ok, false);
    assert.equal(available(tat, 100, spec), 1);
    tat = spend(tat, 100, 1, spec);
    assert.equal(admit(tat, 150, 1, spec).ok, false);
  });

  it('admits a cost above the burst only from a whole budget, and then owes all of it', () => {
    const spec = rateSpec(1000); // 60 ms a token, burst 17
    assert.equal(spec.burst, defaultBurst(1000));
    const tat = spend(0, 0, 810, spec);
    assert.ok(Math.abs(tat - 48_600) < 1e-6);
    const refused = admit(tat, 0, 810, spec);
    assert.ok(!refused.ok && Math.abs(refused.waitMs - 48_600) < 1e-6, 'the second waits until the debt is repaid');
    assert.equal(admit(tat, 48_599, 810, spec).ok, false);
    assert.equal(admit(tat, 48_600, 810, spec).ok, true);
  });

  it('refunds never make a budget fuller than rested; charges may go into debt', () => {
    const spec = rateSpec(60);
    assert.equal(refund(spend(0, 0, 1, spec), 0, 5, spec), 0);
    assert.equal(charge(0, 0, 3, spec), 3000);
    assert.equal(available(3000, 0, spec), 0);
    assert.equal(available(3000, 3000, spec), 1);
  });

  it('never admits more than the rate plus one burst (plus one oversized cost) in any window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3000 }), cost: fc.integer({ min: 1, max: 400 }) }), {
          minLength: 1,
          maxLength: 200,
        }),
        fc.integer({ min: 1000, max: 120_000 }),
        (limit, arrivals, windowMs) => {
          const spec = rateSpec(limit);
          let tat = 0;
          let now = 0;
          const admitted: Array<{ at: number; cost: number }> = [];
          for (const { gap, cost } of arrivals) {
            now += gap;
            const decision = admit(tat, now, cost, spec);
            if (decision.ok) {
              tat = decision.tat;
              admitted.push({ at: now, cost });
            }
          }
          const largest = Math.max(0, ...admitted.map((a) => a.cost));
          for (const start of admitted) {
            const inWindow = admitted
              .filter((a) => a.at >= start.at && a.at < start.at + windowMs)
              .reduce((sum, a) => sum + a.cost, 0);
            const bound = windowMs / spec.intervalMs + Math.max(spec.burst, largest);
            if (inWindow > bound + 1e-6) return false;
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});
