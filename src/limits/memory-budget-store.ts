/**
 * The fleet's budgets in this process: the reference implementation of the store contract (the Redis
 * store's Lua is held to the same answers by one test suite), and a way for several gateways in one process
 * to share budgets without Redis.
 */
import type { BudgetStore, BudgetSyncRequest, BudgetSyncResult } from './budget-store.ts';
import { grantLease } from './lease-grant.ts';

export function createMemoryBudgetStore(): BudgetStore {
  const tats = new Map<string, number>();
  const instances = new Map<string, number>();
  return {
    kind: 'memory',
    async sync(request: BudgetSyncRequest): Promise<BudgetSyncResult> {
      instances.set(request.instance, request.now);
      for (const [id, seen] of instances) if (seen < request.now - request.instanceTtlMs) instances.delete(id);
      const answers = request.orders.map((order) => {
        const { tat, answer } = grantLease(tats.get(order.budget) ?? 0, request.now, order);
        tats.set(order.budget, tat);
        return answer;
      });
      return { answers, instances: instances.size };
    },
    async close() {},
  };
}
