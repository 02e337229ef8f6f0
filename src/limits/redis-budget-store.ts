/**
 * The fleet's budgets in Redis: one Lua call per sync (heartbeat and every order, atomic). Built to fail
 * fast, like the health store: no offline queue, a short command timeout, reconnects by ioredis; a failed
 * sync makes the instance run on its conservative local share until the next one succeeds. The only module
 * of limits that imports ioredis (Node entry only).
 */
import type { Cluster, Redis } from 'ioredis';
import { connectRedis, type RedisConnection, waitForFirstConnection } from '../transport/redis-connection.ts';
import type { BudgetStore, BudgetSyncRequest, BudgetSyncResult } from './budget-store.ts';
import { BUDGET_SYNC_LUA } from './redis-budget-lua.ts';

export interface RedisBudgetStoreOptions {
  redis: RedisConnection;
  /** Key prefix; keys are `<prefix>{budgets}:...`. */
  prefix: string;
  /** Per-command timeout for clients the store creates, ms. Default 200. */
  commandTimeoutMs?: number;
}

export interface RedisBudgetStore extends BudgetStore {
  readonly kind: 'redis';
  readonly client: Redis | Cluster;
  /** `<prefix>{budgets}:`: every key of this store starts with it. */
  readonly keyBase: string;
}

const SCRIPT = 'switchyardBudgetSync';

export function createRedisBudgetStore(options: RedisBudgetStoreOptions): RedisBudgetStore {
  const timeoutMs = options.commandTimeoutMs ?? 200;
  const { client, owned } = connectRedis(options.redis, {
    commandTimeoutMs: timeoutMs,
    connectTimeoutMs: Math.max(1000, timeoutMs * 2),
    disconnectTimeoutMs: timeoutMs,
  });
  const keyBase = `${options.prefix}{budgets}:`;
  // ioredis prefixes declared KEYS with its keyPrefix, not keys built inside the script.
  const scriptBase = `${client.options.keyPrefix ?? ''}${keyBase}`;
  let connectionError: string | undefined;
  client.on('error', (error: Error) => {
    connectionError = error.message;
  });
  client.on('ready', () => {
    connectionError = undefined;
  });
  client.defineCommand(SCRIPT, { numberOfKeys: 1, lua: BUDGET_SYNC_LUA });
  const run: unknown = Reflect.get(client, SCRIPT);
  if (typeof run !== 'function') throw new Error(`ioredis did not define script ${SCRIPT}`);
  // Without an offline queue a command sent while the first connection is being made fails at once: give
  // the first connection up to a second, once. Later outages fail fast (ioredis reconnects by itself).
  let startup: Promise<void> | undefined;
  const firstConnection = () => (startup ??= waitForFirstConnection(client, Math.max(1000, timeoutMs)));

  return {
    kind: 'redis',
    client,
    keyBase,
    async sync(request: BudgetSyncRequest): Promise<BudgetSyncResult> {
      const args: Array<string | number> = [
        `${keyBase}instances`,
        scriptBase,
        request.now,
        request.instance,
        request.instanceTtlMs,
        request.orders.length,
      ];
      for (const order of request.orders) {
        args.push(order.budget, order.intervalMs, order.burst, order.debit, order.giveBack, order.want, order.need);
      }
      await firstConnection();
      let reply: unknown;
      try {
        reply = await Promise.resolve(run.apply(client, args) as unknown);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`redis ${client.status}: ${connectionError ?? message}`, { cause: error });
      }
      return parseReply(reply, request.orders.length);
    },
    async close() {
      if (owned) client.disconnect();
    },
  };
}

function parseReply(reply: unknown, orders: number): BudgetSyncResult {
  if (!Array.isArray(reply) || reply.length !== 1 + 3 * orders)
    throw new Error('budget store: unexpected reply to sync');
  const numbers = (reply as unknown[]).map(Number);
  const answers = [];
  for (let i = 0; i < orders; i++) {
    answers.push({ granted: numbers[1 + 3 * i]!, waitMs: numbers[2 + 3 * i]!, room: numbers[3 + 3 * i]! });
  }
  return { answers, instances: Math.max(1, numbers[0]!) };
}
