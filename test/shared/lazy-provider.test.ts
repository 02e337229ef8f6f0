/**
 * When a translating provider's module is imported: at start-up (Node: a failover never waits for it) or
 * at its first call (Workers: a new isolate's first request, usually a passthrough, does not evaluate SDKs
 * it does not use). Either way the calls reach the real provider, and a failed import is the call's error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lazyProvider, type ProviderFactory, type ProviderLoading } from '../../providers/lazy-provider.ts';
import type { ProviderCall, ProviderResult } from '../../providers/types.ts';

const ANSWER = { type: 'json', body: { id: 'chatcmpl-lazy' }, warnings: [] } as unknown as ProviderResult;
const CALL = { model: 'm' } as ProviderCall;

function counted(loading: ProviderLoading, fail = false) {
  const seen = { loads: 0, calls: [] as string[] };
  const factory: ProviderFactory = (settings) => ({
    name: 'lazy',
    defaultModel: 'm',
    async chat(call) {
      seen.calls.push(`${settings.apiKey}:${call.model}`);
      return ANSWER;
    },
  });
  const create = lazyProvider(
    'lazy',
    'default-model',
    async () => {
      seen.loads += 1;
      if (fail) throw new Error('module not found');
      return factory;
    },
    { loading },
  );
  return { seen, create };
}

describe('lazyProvider', () => {
  it("'at-start' imports when the provider is built, once, and answers through the real provider", async () => {
    const { seen, create } = counted('at-start');
    const provider = create({ apiKey: 'k1' });
    assert.equal(seen.loads, 1, 'import started at build');
    assert.equal(provider.name, 'lazy');
    assert.equal(provider.defaultModel, 'default-model');
    assert.equal(await provider.chat(CALL), ANSWER);
    await provider.chat(CALL);
    assert.equal(seen.loads, 1);
    assert.deepEqual(seen.calls, ['k1:m', 'k1:m']);
  });

  it("'on-first-call' imports nothing until the first call; concurrent first calls share one import", async () => {
    const { seen, create } = counted('on-first-call');
    const provider = create({ apiKey: 'k2', defaultModel: 'configured-model' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.loads, 0, 'nothing imported by building the provider');
    assert.equal(provider.defaultModel, 'configured-model');
    const answers = await Promise.all([provider.chat(CALL), provider.chat(CALL)]);
    assert.deepEqual(answers, [ANSWER, ANSWER]);
    assert.equal(seen.loads, 1);
    assert.deepEqual(seen.calls, ['k2:m', 'k2:m']);
  });

  for (const loading of ['at-start', 'on-first-call'] as const) {
    it(`${loading}: a failed import is the call's error, not an unhandled rejection`, async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const { create } = counted(loading, true);
        const provider = create({ apiKey: 'k3' });
        await new Promise((resolve) => setImmediate(resolve));
        await assert.rejects(provider.chat(CALL), /module not found/);
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  }
});
