/**
 * Health end to end, against real Redis: two gateway instances share provider health, so an outage seen by
 * one moves the traffic of both; probes bring the provider back; and Redis dying mid-traffic costs no request.
 * Windows, cool-downs and probe counts are shortened so the whole incident plays out in a few seconds.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, afterEach, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from '../../bench/lib/ports.ts';
import { openaiFaults } from '../../mocks/openai-mock.ts';
import { type BackgroundHealthMonitor, createHealthMonitor } from '../../src/health/health-monitor.ts';
import { createRedisHealthStore } from '../../src/health/redis-store.ts';
import { eventually, type Harness, startHarness } from '../helpers/harness.ts';
import { silentLogger } from '../support/memory-logger.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefixes: string[] = [];
const cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
after(async () => {
  const redis = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  }
  await redis.quit();
});

function sharedHealth(redis: string, prefix: string): BackgroundHealthMonitor {
  return createHealthMonitor({
    store: createRedisHealthStore({ redis, prefix, commandTimeoutMs: 200 }),
    logger: silentLogger,
    flushIntervalMs: 50,
    refreshIntervalMs: 100,
    probe: { cooldownMs: 400, minProbeMs: 300, successesToRecover: 3, share: 0.25, cooldownGrowth: 1 },
  });
}

async function ask(h: Harness): Promise<{ status: number; provider: string | null }> {
  const response = await fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
  });
  await response.arrayBuffer();
  return { status: response.status, provider: response.headers.get('x-switchyard-provider') };
}

describe('two instances sharing one Redis', () => {
  test('an OpenAI outage seen by instance A moves B too; only probes touch it; no client error; traffic returns', async () => {
    const prefix = `switchyard-test:${crypto.randomUUID()}:`;
    prefixes.push(prefix);
    const a = await startHarness({ health: sharedHealth(REDIS_URL, prefix), random: () => 0 });
    const b = await startHarness({ health: sharedHealth(REDIS_URL, prefix), random: () => 0, shareMocksWith: a });
    cleanup.push(
      () => a.close(),
      () => b.close(),
    );

    // Healthy: both instances are served by OpenAI.
    for (const h of [a, b]) assert.equal((await ask(h)).provider, 'openai');

    // Hard outage, seen only through A until it trips (fast trip: 5 consecutive failures).
    a.openai.failAlways(openaiFaults.serverError());
    for (let i = 0; i < 4; i++) {
      const answer = await ask(a);
      assert.equal(answer.status, 200, 'no client sees the outage');
      assert.equal(answer.provider, 'anthropic');
    }
    await eventually(() => b.health.get('openai').state !== 'healthy', 2000, 'instance B follows the trip');

    // Through B, nothing touches the tripped provider (its cool-down has not passed, so no probes yet).
    const before = a.openai.chatCalls;
    for (let i = 0; i < 10; i++) {
      const answer = await ask(b);
      assert.equal(answer.status, 200);
      assert.equal(answer.provider, 'anthropic');
    }
    assert.equal(a.openai.chatCalls, before, 'B sent nothing to the tripped provider');

    // Still failing after the cool-down: probes only (a small share), each protected by failover.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const probeStart = a.openai.chatCalls;
    let served = 0;
    for (let i = 0; i < 40; i++) {
      const answer = await ask(i % 2 ? a : b);
      assert.equal(answer.status, 200, 'a failed probe is invisible to the client');
      if (answer.provider === 'anthropic') served++;
    }
    const probes = a.openai.chatCalls - probeStart;
    assert.equal(served, 40);
    assert.ok(probes <= 20, `${probes} of 40 requests reached the failing provider`);
    assert.notEqual(a.health.get('openai').state, 'healthy', 'a still-failing provider stays out');

    // Recovery: probes succeed, and after sustained success both instances send traffic back.
    a.openai.heal();
    await eventually(
      () => a.health.get('openai').state === 'healthy' && b.health.get('openai').state === 'healthy',
      6000,
      'recovery through probes',
      async () => {
        await ask(a);
        await ask(b);
      },
    );
    assert.equal((await ask(a)).provider, 'openai');
    assert.equal((await ask(b)).provider, 'openai');
  });
});

describe('Redis failure', () => {
  test('Redis stopped in the middle of traffic costs no request; /health reports degraded, then recovers', async () => {
    const port = await freePort();
    let redis = startRedis(port);
    cleanup.push(async () => {
      redis.kill('SIGKILL');
    });
    await waitForRedis(port);
    const prefix = `switchyard-test:${crypto.randomUUID()}:`;
    const h = await startHarness({ health: sharedHealth(`redis://127.0.0.1:${port}`, prefix) });
    cleanup.push(() => h.close());

    for (let i = 0; i < 5; i++) assert.equal((await ask(h)).status, 200);
    redis.kill('SIGKILL');
    const slowest = { ms: 0 };
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      const answer = await ask(h);
      slowest.ms = Math.max(slowest.ms, performance.now() - started);
      assert.equal(answer.status, 200);
      assert.equal(answer.provider, 'openai');
    }
    assert.ok(slowest.ms < 250, `a request waited ${slowest.ms.toFixed(0)} ms`);
    await eventually(
      () => h.health.storeStatus().degraded,
      3000,
      'degraded mode noticed',
      async () => {
        await ask(h);
      },
    );
    const health = (await (await fetch(`${h.url}/health`)).json()) as {
      status: string;
      store: { type: string; degraded: boolean };
    };
    assert.equal(health.status, 'degraded');
    assert.deepEqual(health.store, { type: 'redis', degraded: true });

    redis = startRedis(port);
    await waitForRedis(port);
    await eventually(
      () => !h.health.storeStatus().degraded,
      5000,
      'reconnected by itself',
      async () => {
        await ask(h);
      },
    );
    const again = (await (await fetch(`${h.url}/health`)).json()) as { status: string };
    assert.equal(again.status, 'ok');
  });
});

function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
}

async function waitForRedis(port: number): Promise<void> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    retryStrategy: () => 50,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => {}); // refused connections are expected until the server is up
  try {
    await eventually(
      () => client.status === 'ready',
      5000,
      'redis-server up',
      async () => {
        if (client.status === 'wait' || client.status === 'end') await client.connect().catch(() => undefined);
      },
    );
  } finally {
    client.disconnect();
  }
}
