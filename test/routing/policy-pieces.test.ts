import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Provider } from '../../providers/types.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';
import { DEFAULT_POLICY } from '../../src/config/policy.ts';
import { KeyPool } from '../../src/limits/key-pool.ts';
import { backoffDelay } from '../../src/routing/backoff.ts';
import { CLASSIFICATION, classify, reasonCode } from '../../src/routing/classify.ts';
import { RetryBudget } from '../../src/routing/retry-budget.ts';
import { ManualClock } from '../support/manual-clock.ts';

test('backoff: full jitter under an exponential ceiling, capped, and never shorter than Retry-After', () => {
  const top = () => 0.999999;
  assert.equal(backoffDelay(DEFAULT_POLICY, 0, { random: top }), 999);
  assert.equal(backoffDelay(DEFAULT_POLICY, 1, { random: top }), 1999);
  assert.equal(backoffDelay(DEFAULT_POLICY, 3, { random: top }), 7999);
  assert.equal(backoffDelay(DEFAULT_POLICY, 20, { random: top }), 59_999, 'capped at maxDelayMs');
  assert.equal(backoffDelay(DEFAULT_POLICY, 0, { random: () => 0 }), 0, 'full jitter reaches zero');
  assert.equal(backoffDelay(DEFAULT_POLICY, 0, { random: top, overload: true }), 1999, 'overloads start longer');
  assert.equal(backoffDelay(DEFAULT_POLICY, 0, { random: () => 0.5, retryAfterMs: 7000 }), 7000);
});

test('classification table covers every failure kind and never retries client errors', () => {
  assert.equal(CLASSIFICATION.bad_request.action, 'return');
  assert.equal(CLASSIFICATION.not_found.action, 'return');
  assert.equal(CLASSIFICATION.context_length.action, 'context_fallback');
  assert.deepEqual(CLASSIFICATION.auth, { action: 'failover', fault: 'provider', key: 'bad' });
  assert.deepEqual(CLASSIFICATION.permission, { action: 'failover', fault: 'provider', key: 'bad' });
  assert.deepEqual(CLASSIFICATION.quota_exhausted, { action: 'failover', fault: 'provider', key: 'exhausted' });
  assert.equal(CLASSIFICATION.rate_limit.waitForProvider, true);
  for (const kind of ['overloaded', 'server', 'timeout', 'network', 'stream_interrupted'] as const) {
    assert.equal(CLASSIFICATION[kind].action, 'retry', kind);
  }
  const unsupported = new UpstreamFailure({
    provider: 'anthropic',
    kind: 'cannot_serve',
    status: 400,
    code: 'unsupported_parameter',
    param: 'n',
    message: 'n > 1',
  });
  assert.equal(classify(unsupported).action, 'failover', 'a target that cannot serve is skipped, not returned');
  assert.equal(classify(unsupported).fault, 'none', 'and it says nothing about the provider');
  assert.equal(reasonCode(unsupported), 'anthropic:unsupported_n');
  assert.equal(
    reasonCode(new UpstreamFailure({ provider: 'openai', kind: 'server', status: 500, message: 'x' })),
    'openai:server_500',
  );
  assert.equal(
    reasonCode(new UpstreamFailure({ provider: 'openai', kind: 'timeout', code: 'first_token_timeout', message: 'x' })),
    'openai:first_token_timeout',
  );
});

test('the table is where health learns whose fault a failure is', () => {
  const provider = [
    'rate_limit',
    'overloaded',
    'server',
    'timeout',
    'network',
    'stream_interrupted',
    'auth',
    'permission',
    'quota_exhausted',
  ] as const;
  for (const kind of provider) assert.equal(CLASSIFICATION[kind].fault, 'provider', kind);
  for (const kind of ['bad_request', 'context_length', 'not_found', 'content_filter'] as const) {
    assert.equal(CLASSIFICATION[kind].fault, 'client', kind);
  }
  for (const kind of ['cannot_serve', 'internal'] as const) assert.equal(CLASSIFICATION[kind].fault, 'none', kind);
});

test('retry budget: at most the ratio of recent requests, with a floor, refilled as the window slides', () => {
  const clock = new ManualClock();
  const budget = new RetryBudget(clock);
  for (let i = 0; i < 100; i++) budget.recordRequest('openai');
  for (let i = 0; i < 5; i++) assert.equal(budget.allowsRetry('openai', 0.2, 3), true);
  assert.equal(budget.totals('openai').retries, 0, 'asking the budget takes nothing from it');
  let granted = 0;
  for (let i = 0; i < 100; i++) {
    if (!budget.allowsRetry('openai', 0.2, 3)) continue;
    budget.spendRetry('openai');
    granted++;
  }
  assert.equal(granted, 20);
  const quiet = new RetryBudget(clock);
  quiet.recordRequest('gemini');
  let quietGranted = 0;
  for (let i = 0; i < 10; i++) {
    if (!quiet.allowsRetry('gemini', 0.2, 3)) continue;
    quiet.spendRetry('gemini');
    quietGranted++;
  }
  assert.equal(quietGranted, 3, 'the floor lets a quiet gateway retry a little');
  clock.advance(61_000);
  assert.deepEqual(budget.totals('openai'), { requests: 0, retries: 0 }, 'old slots expire');
});

test('key pool rotates, skips bad and exhausted keys, and brings them back after their pause', () => {
  const clock = new ManualClock();
  const fake = {
    name: 'openai',
    defaultModel: 'm',
    chat: async () => {
      throw new Error('unused');
    },
  } satisfies Provider;
  const pool = new KeyPool(
    'openai',
    [
      { id: 'openai#1', provider: fake },
      { id: 'openai#2', provider: fake },
      { id: 'openai#3', provider: fake },
    ],
    clock,
  );
  assert.deepEqual(
    [pool.next()?.id, pool.next()?.id, pool.next()?.id, pool.next()?.id],
    ['openai#1', 'openai#2', 'openai#3', 'openai#1'],
  );
  pool.mark('openai#2', 'bad');
  pool.mark('openai#3', 'exhausted', 30_000);
  assert.deepEqual([pool.next()?.id, pool.next()?.id], ['openai#1', 'openai#1']);
  assert.equal(pool.next(new Set(['openai#1'])), undefined);
  clock.advance(30_001);
  assert.equal(pool.stateOf('openai#3'), 'ok', 'quota key returns after its reset');
  assert.equal(pool.stateOf('openai#2'), 'bad');
  clock.advance(10 * 60_000);
  assert.equal(pool.stateOf('openai#2'), 'ok');
});
