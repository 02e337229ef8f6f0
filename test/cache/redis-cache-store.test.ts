/**
 * The Redis cache store against a real Redis: two gateway instances share entries, every key has a TTL,
 * large values are compressed, and a Redis that is stopped or hangs turns into misses, never into failed or
 * slow requests.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { freePort } from '../../bench/lib/ports.ts';
import { createRedisCacheStore, type RedisCacheStore } from '../../src/cache/redis-cache-store.ts';
import { deleteKeys, LocalRedisServer, REDIS_URL, scanKeys, uniquePrefix } from '../health/helpers.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const CONFIG = 'cache: { ttlMs: 60000 }\n';
const prefixes: string[] = [];
after(async () => {
  for (const prefix of prefixes) await deleteKeys(prefix);
});

function store(redis: string, prefix: string, timeoutMs = 50): RedisCacheStore {
  return createRedisCacheStore({ redis, prefix, timeoutMs, compressAboveBytes: 1024 });
}

async function connected(cache: RedisCacheStore): Promise<RedisCacheStore> {
  if (cache.client.status !== 'ready') await new Promise((resolve) => cache.client.once('ready', resolve));
  return cache;
}

async function ask(
  h: Harness,
  content: string,
  stream = false,
): Promise<{ state: string | null; text: string; ms: number; status: number }> {
  const started = performance.now();
  const response = await fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], stream }),
  });
  const text = await response.text();
  return {
    state: response.headers.get('x-switchyard-cache'),
    text,
    ms: performance.now() - started,
    status: response.status,
  };
}

describe('redis cache store', () => {
  test('two instances share entries; keys have a TTL; large answers are stored compressed', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    // Connected first: a store that has not connected yet answers a miss by design (no offline queue), which on
    // a busy machine made instance B's first read a miss.
    const a = await startHarness({ configText: CONFIG, cacheStore: await connected(store(REDIS_URL, prefix, 500)) });
    const b = await startHarness({
      configText: CONFIG,
      cacheStore: await connected(store(REDIS_URL, prefix, 500)),
      shareMocksWith: a,
    });
    const redis = new Redis(REDIS_URL);
    try {
      const first = await new OpenAI({ apiKey: 'x', baseURL: a.baseURL, maxRetries: 0 }).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'shared prompt' }],
      });
      // The write is not awaited by the request: wait until it landed.
      for (let i = 0; i < 100 && (await scanKeys(redis, prefix)).length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      const { data, response } = await new OpenAI({ apiKey: 'x', baseURL: b.baseURL, maxRetries: 0 }).chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'shared prompt' }] })
        .withResponse();
      assert.equal(response.headers.get('x-switchyard-cache'), 'hit', 'instance B answers from what A stored');
      assert.deepEqual(data, first);
      assert.equal(a.openai.chatCalls, 1);

      a.openai.script = { text: Array.from({ length: 200 }, (_, i) => `word${i} `) };
      const big = await ask(a, 'a long answer');
      assert.equal(big.state, 'miss');
      for (let i = 0; i < 100 && (await scanKeys(redis, prefix)).length < 2; i++)
        await new Promise((r) => setTimeout(r, 10));
      const keys = await scanKeys(redis, prefix);
      assert.equal(keys.length, 2);
      for (const key of keys) {
        assert.match(key, new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}cache:[0-9a-f]{64}$`));
        const ttl = await redis.pttl(key);
        assert.ok(ttl > 0 && ttl <= 60_000, `TTL ${ttl}`);
      }
      const values = await Promise.all(keys.map((key) => redis.getBuffer(key)));
      const flags = values.map((value) => value?.[0]).sort();
      assert.deepEqual(flags, [0, 1], 'the small answer raw, the large one gzipped');
      const compressed = values.find((value) => value?.[0] === 1)!;
      assert.ok(compressed.length < JSON.parse(big.text).choices[0].message.content.length, 'compression shrinks it');
      const replay = await ask(b, 'a long answer', true);
      assert.equal(replay.state, 'hit');
      const content = replay.text
        .split('\n\n')
        .filter((l) => l.startsWith('data: {'))
        .map((l) => JSON.parse(l.slice(6)).choices[0]?.delta.content ?? '')
        .join('');
      assert.equal(
        content,
        JSON.parse(big.text).choices[0].message.content,
        'B decompresses and replays it as a stream',
      );
    } finally {
      redis.disconnect();
      await b.close();
      await a.close();
    }
  });

  test('a stopped Redis: misses, no failed or slow requests', async () => {
    const server = new LocalRedisServer(await freePort());
    await server.start();
    const prefix = uniquePrefix();
    const h = await startHarness({ configText: CONFIG, cacheStore: store(server.url, prefix) });
    try {
      const warm = await ask(h, 'before the stop');
      assert.equal(warm.state, 'miss');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await ask(h, 'before the stop')).state, 'hit');
      await server.stop();
      const results = [];
      for (let i = 0; i < 10; i++)
        results.push(await ask(h, i % 2 ? 'before the stop' : `after the stop ${i}`, i % 3 === 0));
      assert.ok(
        results.every((result) => result.status === 200),
        'no request failed',
      );
      assert.ok(
        results.every((result) => result.state === 'miss'),
        'every lookup is a miss',
      );
      const slowest = Math.max(...results.map((result) => result.ms));
      assert.ok(slowest < 1000, `slowest request ${Math.round(slowest)} ms`);
    } finally {
      await h.close();
      await server.stop();
    }
  });

  test('a Redis that hangs (process paused): misses within the timeout, not slow requests', async () => {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const cacheStore = store(`redis://127.0.0.1:${port}`, uniquePrefix(), 50);
    const h = await startHarness({ configText: CONFIG, cacheStore });
    try {
      for (let i = 0; i < 100 && cacheStore.client.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(cacheStore.client.status, 'ready');
      await ask(h, 'hung redis');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await ask(h, 'hung redis')).state, 'hit');
      child.kill('SIGSTOP');
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await ask(h, 'hung redis', i % 2 === 1));
      assert.ok(results.every((result) => result.status === 200 && result.state === 'miss'));
      assert.equal(h.openai.chatCalls, 7);
      const slowest = Math.max(...results.map((result) => result.ms));
      assert.ok(slowest < 1000, `slowest request ${Math.round(slowest)} ms`);
    } finally {
      await h.close();
      child.kill('SIGKILL');
    }
  });
});
