/**
 * The budget store contract, held for the memory store (the reference, running lease-grant.ts) and the
 * Redis store (the same rule in Lua) alike: the same orders at the same times give the same answers.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { BudgetStore } from '../../src/limits/budget-store.ts';
import { rateSpec } from '../../src/limits/gcra.ts';
import type { LeaseOrder } from '../../src/limits/lease-grant.ts';
import { createMemoryBudgetStore } from '../../src/limits/memory-budget-store.ts';
import { createRedisBudgetStore } from '../../src/limits/redis-budget-store.ts';
import { deleteUnder, keysUnder, REDIS_URL, uniquePrefix } from '../support/redis-keys.ts';

const prefixes: string[] = [];
after(() => deleteUnder(prefixes));

function redisStore() {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  return createRedisBudgetStore({ redis: REDIS_URL, prefix });
}

function order(limit: number, fields: Partial<LeaseOrder>): LeaseOrder {
  return { budget: 'openai#1|*|rpm', ...rateSpec(limit), debit: 0, giveBack: 0, want: 0, need: 0, ...fields };
}

const T0 = Date.UTC(2026, 0, 1);

for (const [name, make] of [
  ['memory', createMemoryBudgetStore],
  ['redis', redisStore],
] as const) {
  describe(`budget store: ${name}`, () => {
    it('grants slices up to the burst, refuses with the wait, and takes back what is given back', async () => {
      const store: BudgetStore = make();
      try {
        const sync = (now: number, orders: LeaseOrder[]) =>
          store.sync({ instance: 'a', now, instanceTtlMs: 5000, orders });
        // 600 RPM: a burst of 10. Ask for 10, need 1.
        let { answers } = await sync(T0, [order(600, { want: 10, need: 1 })]);
        assert.deepEqual(answers, [{ granted: 10, waitMs: 0, room: 0 }]);
        ({ answers } = await sync(T0, [order(600, { want: 10, need: 1 })]));
        assert.deepEqual(answers, [{ granted: 0, waitMs: 100, room: 0 }]);
        ({ answers } = await sync(T0, [order(600, { giveBack: 4 })]));
        assert.deepEqual(answers, [{ granted: 0, waitMs: 0, room: 4 }]);
        ({ answers } = await sync(T0 + 50, [order(600, { want: 10, need: 1 })]));
        assert.equal(answers[0]!.granted, 4);
      } finally {
        await store.close();
      }
    });

    it('charges debits unconditionally and grants a need above the burst only from a whole budget', async () => {
      const store = make();
      try {
        const tpm = (fields: Partial<LeaseOrder>) => order(1000, { budget: 'openai#1|*|tpm', ...fields });
        const sync = (now: number, orders: LeaseOrder[]) =>
          store.sync({ instance: 'a', now, instanceTtlMs: 5000, orders });
        let { answers } = await sync(T0, [tpm({ debit: 810 })]);
        assert.deepEqual(answers, [{ granted: 0, waitMs: 0, room: 0 }]);
        ({ answers } = await sync(T0, [tpm({ want: 810, need: 810 })]));
        assert.deepEqual(answers, [{ granted: 0, waitMs: 48_600, room: 0 }]);
        ({ answers } = await sync(T0 + 48_600, [tpm({ want: 810, need: 810 })]));
        assert.equal(answers[0]!.granted, 810);
      } finally {
        await store.close();
      }
    });

    it('counts live instances and forgets one not heard from within the TTL', async () => {
      const store = make();
      try {
        await store.sync({ instance: 'a', now: T0, instanceTtlMs: 5000, orders: [] });
        const both = await store.sync({ instance: 'b', now: T0 + 1000, instanceTtlMs: 5000, orders: [] });
        assert.equal(both.instances, 2);
        const later = await store.sync({ instance: 'b', now: T0 + 7000, instanceTtlMs: 5000, orders: [] });
        assert.equal(later.instances, 1);
      } finally {
        await store.close();
      }
    });
  });
}

describe('budget store: redis matches memory', () => {
  it('gives the same answers to the same random orders', async () => {
    const redis = redisStore();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 20_000 }),
          fc.array(
            fc.record({
              gap: fc.integer({ min: 0, max: 5000 }),
              debit: fc.integer({ min: 0, max: 50 }),
              giveBack: fc.integer({ min: 0, max: 20 }),
              want: fc.integer({ min: 0, max: 400 }),
              need: fc.integer({ min: 0, max: 400 }),
            }),
            { minLength: 1, maxLength: 25 },
          ),
          async (limit, steps) => {
            const memory = createMemoryBudgetStore();
            const budget = `b${crypto.randomUUID()}`;
            let now = T0;
            for (const step of steps) {
              now += step.gap;
              const request = {
                instance: 'a',
                now,
                instanceTtlMs: 60_000,
                orders: [order(limit, { ...step, budget, want: Math.max(step.want, step.need) })],
              };
              const [fromMemory, fromRedis] = [await memory.sync(request), await redis.sync(request)];
              assert.deepEqual(fromRedis.answers, fromMemory.answers);
            }
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      await redis.close();
    }
  });

  it('keeps every key under the prefix with the {budgets} hash tag, each expiring', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const store = createRedisBudgetStore({ redis: REDIS_URL, prefix });
    const redis = new Redis(REDIS_URL);
    try {
      await store.sync({ instance: 'a', now: Date.now(), instanceTtlMs: 5000, orders: [order(60, { debit: 3 })] });
      const keys = (await keysUnder(redis, prefix)).sort();
      assert.deepEqual(keys, [`${prefix}{budgets}:b:openai#1|*|rpm`, `${prefix}{budgets}:instances`]);
      for (const key of keys) assert.ok((await redis.pttl(key)) > 0, `${key} expires`);
    } finally {
      redis.disconnect();
      await store.close();
    }
  });
});
