/**
 * The cache's pure parts: the key's canonical form, the memory store's byte-bounded LRU and TTLs, the replay
 * of a multi-choice answer, and the cache settings in the config file and environment.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatCompletion } from '../../providers/types.ts';
import { cacheKey, canonicalJson } from '../../src/cache/cache-key.ts';
import type { CachedAnswer } from '../../src/cache/cache-store.ts';
import { createMemoryCacheStore } from '../../src/cache/memory-cache-store.ts';
import { completionToChunks } from '../../src/cache/replay-answer.ts';
import { ConfigError } from '../../src/config/load-config.ts';
import { loadConfig } from '../../src/config/parse-config-file.ts';
import { collectCompletion } from '../../src/routing/collect-completion.ts';
import { ManualClock } from '../support/manual-clock.ts';

const base = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

function completionOf(text: string): ChatCompletion {
  return {
    id: `chatcmpl-${text.length}`,
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [
      { index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' },
    ],
  };
}

function answer(text: string, storedAt = 0): CachedAnswer {
  return { storedAt, hasUsage: false, body: JSON.stringify(completionOf(text)) };
}

describe('cache key', () => {
  test('sorted keys at every depth; streaming fields, user and metadata ignored', async () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }),
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    const key = await cacheKey(base, '');
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(
      await cacheKey(
        {
          messages: base.messages,
          model: base.model,
          stream: true,
          stream_options: { include_usage: true },
          user: 'u',
          metadata: { x: '1' },
        },
        '',
      ),
      key,
    );
  });

  test('every field that reaches the provider changes it, and so does the partition', async () => {
    const key = await cacheKey(base, '');
    const variants: Array<Record<string, unknown>> = [
      { temperature: 0.5 },
      { top_p: 0.5 },
      { max_tokens: 10 },
      { stop: ['x'] },
      { n: 2 },
      { seed: 1 },
      { tools: [{ type: 'function', function: { name: 'f' } }] },
      { tool_choice: 'none' },
      { response_format: { type: 'json_object' } },
      { model: 'gpt-4o' },
      { messages: [{ role: 'user', content: 'Hi!' }] },
      { reasoning_effort: 'low' },
    ];
    const keys = await Promise.all(variants.map((variant) => cacheKey({ ...base, ...variant }, '')));
    for (const [index, other] of keys.entries()) assert.notEqual(other, key, JSON.stringify(variants[index]));
    assert.notEqual(await cacheKey(base, 'key:a'), key);
    assert.notEqual(await cacheKey(base, 'key:a'), await cacheKey(base, 'key:b'));
  });
});

describe('memory cache store', () => {
  test('evicts the least recently used entries past maxBytes', async () => {
    const clock = new ManualClock();
    const one = answer('x'.repeat(1000)).body.length;
    const store = createMemoryCacheStore({ maxBytes: one * 3 + 10, clock });
    await store.set('a', answer('x'.repeat(1000)), { ttlMs: 60_000, maxEntryBytes: 1 << 30 });
    await store.set('b', answer('y'.repeat(1000)), { ttlMs: 60_000, maxEntryBytes: 1 << 30 });
    await store.set('c', answer('z'.repeat(1000)), { ttlMs: 60_000, maxEntryBytes: 1 << 30 });
    assert.ok(await store.get('a'), 'touch a: b is now the oldest');
    await store.set('d', answer('w'.repeat(1000)), { ttlMs: 60_000, maxEntryBytes: 1 << 30 });
    assert.equal(await store.get('b'), undefined);
    assert.ok(await store.get('a'));
    assert.ok(await store.get('c'));
    assert.ok(await store.get('d'));
    assert.ok(store.bytes <= one * 3 + 10);
    await store.set('huge', answer('h'.repeat(one * 4)), { ttlMs: 60_000, maxEntryBytes: 1 << 30 });
    assert.equal(await store.get('huge'), undefined, 'an entry larger than the whole store is not kept');
    assert.equal(store.size, 3);
  });

  test('entries expire after their TTL', async () => {
    const clock = new ManualClock();
    const store = createMemoryCacheStore({ maxBytes: 1 << 20, clock });
    await store.set('k', answer('hello'), { ttlMs: 5000, maxEntryBytes: 1 << 30 });
    clock.advance(4999);
    assert.ok(await store.get('k'));
    clock.advance(1);
    assert.equal(await store.get('k'), undefined);
    assert.equal(store.bytes, 0);
  });
});

describe('replay', () => {
  test('a two-choice answer streams back into the same answer', () => {
    const completion: ChatCompletion = {
      ...completionOf('first'),
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'first', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
        {
          index: 1,
          message: { role: 'assistant', content: 'second', refusal: null },
          logprobs: null,
          finish_reason: 'length',
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    };
    const chunks = completionToChunks(completion, true);
    assert.deepEqual(collectCompletion(chunks), completion);
    assert.equal(chunks.filter((chunk) => chunk.choices[0]?.finish_reason).length, 2);
  });
});

describe('cache config', () => {
  test('off by default; a cache block turns it on; routes override; env shortcuts', () => {
    const plain = loadConfig({});
    assert.equal(plain.cache.enabled, false);
    assert.equal(plain.cache.store, 'memory');
    const file = `
cache: { ttlMs: 120000, maxEntryBytes: 4096 }
routes:
  a: [openai:gpt-4o]
  b: { targets: [openai:gpt-4o], cache: false }
  c: { targets: [openai:gpt-4o], cache: { ttlMs: 5000, shareAcrossKeys: true } }
`;
    const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }, { text: file, path: 'c.yaml' });
    assert.equal(config.cache.enabled, true);
    assert.equal(config.cache.store, 'redis', 'Redis when one is configured');
    assert.deepEqual(config.routes.get('a')?.cache, {
      enabled: true,
      ttlMs: 120000,
      maxEntryBytes: 4096,
      shareAcrossKeys: false,
    });
    assert.equal(config.routes.get('b')?.cache.enabled, false);
    assert.deepEqual(config.routes.get('c')?.cache, {
      enabled: true,
      ttlMs: 5000,
      maxEntryBytes: 4096,
      shareAcrossKeys: true,
    });
    const env = loadConfig({ SWITCHYARD_CACHE_TTL_MS: '30000' });
    assert.equal(env.cache.enabled, true);
    assert.equal(env.cache.ttlMs, 30000);
  });

  test('errors name the field', () => {
    assert.throws(
      () => loadConfig({}, { text: 'cache: { ttlMs: 5 }', path: 'c.yaml' }),
      (error: Error) => error instanceof ConfigError && /cache\.ttlMs/.test(error.message),
    );
    assert.throws(
      () => loadConfig({}, { text: 'cache: { store: redis }', path: 'c.yaml' }),
      /cache\.store: "redis" needs REDIS_URL/,
    );
    assert.throws(() => loadConfig({ SWITCHYARD_CACHE_STORE: 'disk' }), /SWITCHYARD_CACHE_STORE/);
    assert.throws(
      () => loadConfig({}, { text: 'routes: { a: { targets: [openai:x], cache: { nope: 1 } } }', path: 'c.yaml' }),
      /routes\.a\.cache/,
    );
  });
});

describe('sha256', () => {
  test('matches node:crypto on lengths around the block boundaries', async () => {
    const { createHash } = await import('node:crypto');
    const { sha256Hex } = await import('../../src/cache/sha256.ts');
    for (const length of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 100_003]) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 131 + length) & 0xff);
      assert.equal(sha256Hex(bytes), createHash('sha256').update(bytes).digest('hex'), `length ${length}`);
    }
  });
});
