/**
 * Shared pieces of the health tests: outcome builders, a traffic driver on a ManualClock, store kits that
 * give the same behavioural suite a memory or a Redis backend, and Redis housekeeping (unique prefixes,
 * SCAN + DEL cleanup, a private redis-server for outage tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  type BackgroundHealthMonitor,
  createHealthMonitor,
  type HealthMonitorOptions,
} from '../../src/health/health-monitor.ts';
import type { HealthStore } from '../../src/health/health-store.ts';
import { createMemoryHealthStore } from '../../src/health/memory-store.ts';
import { createRedisHealthStore } from '../../src/health/redis-store.ts';
import type { Outcome } from '../../src/health/types.ts';
import type { ManualClock } from '../support/manual-clock.ts';
import { createMemoryLogger, type MemoryLogger, silentLogger } from '../support/memory-logger.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function outcome(clock: ManualClock, fields: Partial<Outcome> = {}): Outcome {
  return {
    provider: 'openai',
    model: 'gpt-test',
    ok: true,
    latencyMs: 800,
    retriesExhausted: false,
    at: clock.now(),
    ...fields,
  };
}

export const serverError: Partial<Outcome> = { ok: false, kind: 'server', status: 503 };
export const rateLimited: Partial<Outcome> = { ok: false, kind: 'rate_limit', status: 429 };

/**
 * Sends `rps` requests per second for `durationMs` of clock time, ticking every monitor every `tickMs`.
 * `make(i)` shapes request i. `onTick` runs after every tick round (return true to stop early).
 */
export async function drive(
  monitors: BackgroundHealthMonitor | BackgroundHealthMonitor[],
  clock: ManualClock,
  options: {
    durationMs: number;
    rps: number;
    make?: (i: number) => Partial<Outcome>;
    tickMs?: number;
    onTick?: () => boolean | undefined;
  },
): Promise<void> {
  const list = Array.isArray(monitors) ? monitors : [monitors];
  const step = 1000 / options.rps;
  const tickMs = options.tickMs ?? 10_000;
  let sinceTick = 0;
  const total = Math.round((options.durationMs / 1000) * options.rps);
  for (let i = 0; i < total; i++) {
    const monitor = list[i % list.length];
    monitor?.record(outcome(clock, options.make?.(i) ?? {}));
    clock.advance(step);
    sinceTick += step;
    if (sinceTick >= tickMs) {
      sinceTick = 0;
      for (const m of list) await m.tick();
      if (options.onTick?.()) return;
    }
  }
  for (const m of list) await m.tick();
  options.onTick?.();
}

/** A log sink that keeps every entry. */
export function captureLogs(): {
  logger: MemoryLogger;
  entries: MemoryLogger['lines'];
  events: MemoryLogger['events'];
} {
  const logger = createMemoryLogger();
  return { logger, entries: logger.lines, events: logger.events };
}

/** A backend several "gateway instances" can share. */
export interface Backend {
  /** A store on this backend, as a new gateway instance would have. */
  store(): HealthStore;
  cleanup(): Promise<void>;
}

export interface StoreKit {
  name: 'memory' | 'redis';
  open(): Promise<Backend>;
}

export const memoryKit: StoreKit = {
  name: 'memory',
  async open() {
    const shared = createMemoryHealthStore();
    return { store: () => shared, cleanup: async () => {} };
  },
};

export const redisKit: StoreKit = {
  name: 'redis',
  async open() {
    const prefix = uniquePrefix();
    const stores: HealthStore[] = [];
    return {
      store: () => {
        const store = createRedisHealthStore({ redis: REDIS_URL, prefix });
        stores.push(store);
        return store;
      },
      cleanup: async () => {
        for (const store of stores) await store.close();
        await deleteKeys(prefix);
      },
    };
  },
};

export function uniquePrefix(): string {
  return `switchyard-test:${randomBytes(6).toString('hex')}:`;
}

/** SCAN + DEL every key under `prefix` (never FLUSHALL). */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, disconnectTimeout: 10 });
  await redis.connect();
  try {
    const keys = await scanKeys(redis, prefix);
    if (keys.length > 0) await redis.del(...keys);
    return keys.length;
  } finally {
    redis.disconnect();
  }
}

export async function scanKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** A monitor wired for deterministic tests: no timers, captured logs. */
export function testMonitor(
  store: HealthStore,
  clock: ManualClock,
  options: HealthMonitorOptions = {},
): BackgroundHealthMonitor {
  return createHealthMonitor({
    store,
    clock,
    backgroundTimers: false,
    logger: silentLogger,
    closeStore: false,
    ...options,
  });
}

/** A private redis-server on `port` that a test may stop and start. */
export class LocalRedisServer {
  readonly port: number;
  private child: ChildProcess | undefined;

  constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    this.child = child;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (await this.ping()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  private async ping(): Promise<boolean> {
    const redis = new Redis(this.port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
      disconnectTimeout: 10,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      redis.disconnect();
    }
  }
}
