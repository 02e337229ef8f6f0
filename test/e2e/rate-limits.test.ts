/**
 * Client-side rate limits end to end: budgets per key from the environment, limits learned from the
 * providers' headers, spill-over to the next provider, the wait queue and its bounds, concurrency, and
 * fleet-wide budgets on real Redis. Against the loopback mocks; a ManualClock wherever waiting is involved.
 */

import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import { freePort } from '../../bench/lib/ports.ts';
import { geminiFaults } from '../../mocks/gemini-mock.ts';
import { createRedisBudgetStore } from '../../src/limits/redis-budget-store.ts';
import { eventually, type Harness, type HarnessOptions, startHarness } from '../helpers/harness.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../support/redis-keys.ts';

const ADMIN = 'admin-key-for-rate-limit-tests';
const harnesses: Harness[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});
after(() => deleteUnder(prefixes));

async function start(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness({ random: () => 0.5, ...options, env: { SWITCHYARD_ADMIN_KEY: ADMIN, ...options.env } });
  harnesses.push(h);
  return h;
}

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: { message: string; type: string; code: string | null } };
}

async function chat(
  h: Harness,
  extra: Record<string, unknown> = {},
  init: { signal?: AbortSignal } = {},
): Promise<Answer> {
  const response = await fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], ...extra }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : {} };
}

interface HealthKey {
  id: string;
  state: string;
  limits?: {
    inFlight: number;
    waiting: number;
    maxConcurrency?: number;
    budgets?: Array<{ bucket: string; kind: string; limit: number; left: number }>;
    learned?: Array<{ model: string; requests?: { limit?: number; remaining?: number; resetAt?: string } }>;
  };
}
interface HealthBody {
  status: string;
  budgets: { store: string; degraded: boolean; localShare?: number; lastError?: string; queue: { length: number } };
  providers: Array<{ name: string; keys?: HealthKey[] }>;
}

async function health(h: Harness): Promise<HealthBody> {
  return (await (await fetch(`${h.url}/health`)).json()) as HealthBody;
}

function openaiKey(body: HealthBody): HealthKey {
  return body.providers.find((p) => p.name === 'openai')!.keys![0]!;
}

/** Lets the gateway take in what the client already sent (requests in flight reach the queue). */
const settle = async (rounds = 20) => {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('budgets per key', () => {
  test('OPENAI_RPM=10 with Anthropic configured: 20 requests in a second, OpenAI gets at most 10, all succeed', async () => {
    const h = await start({ env: { OPENAI_RPM: '10' }, without: ['gemini'] });
    const pending: Array<Promise<Answer>> = [];
    for (let i = 0; i < 20; i++) {
      pending.push(chat(h));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const answers = await Promise.all(pending);
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(20).fill(200),
    );
    assert.ok(h.openai.chatCalls >= 1 && h.openai.chatCalls <= 10, `OpenAI got ${h.openai.chatCalls}`);
    const spilled = answers.filter((a) => a.headers.get('x-switchyard-provider') === 'anthropic');
    assert.equal(spilled.length, 20 - h.openai.chatCalls);
    for (const answer of spilled) {
      assert.match(answer.headers.get('x-switchyard-fallback-reason') ?? '', /openai:local_rate_limit/);
      assert.equal(answer.headers.get('x-switchyard-attempts'), '1', 'a spill-over costs no failed attempt');
    }
  });

  test('OpenAI only, OPENAI_RPM=5, queue wait 2 s: 10 at once, at most 5 reach OpenAI, the rest 429 with retry-after', async () => {
    const clock = new ManualClock();
    const h = await start({
      clock,
      env: { OPENAI_RPM: '5', SWITCHYARD_QUEUE_MAX_WAIT_MS: '2000' },
      without: ['anthropic', 'gemini'],
    });
    const answers = await Promise.all(Array.from({ length: 10 }, () => chat(h)));
    assert.ok(h.openai.chatCalls <= 5, `OpenAI got ${h.openai.chatCalls}`);
    const served = answers.filter((a) => a.status === 200);
    assert.equal(served.length, h.openai.chatCalls);
    for (const refused of answers.filter((a) => a.status !== 200)) {
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error?.code, 'rate_limit_exceeded');
      assert.equal(refused.headers.get('x-should-retry'), 'true');
      // 5 RPM is one request every 12 s: that is when the next one can go, and what the client is told.
      assert.equal(refused.headers.get('retry-after'), '12');
    }
    assert.equal((await health(h)).budgets.queue.length, 0, 'nobody was left waiting');
  });

  test('waits in the queue when budget frees within the bound, never past it', async () => {
    const clock = new ManualClock();
    const h = await start({
      clock,
      env: { OPENAI_RPM: '60', SWITCHYARD_QUEUE_MAX_WAIT_MS: '2000' },
      without: ['anthropic', 'gemini'],
    });
    const first = await chat(h);
    assert.equal(first.status, 200);
    const waiting = [chat(h), chat(h), chat(h)];
    await eventually(() => h.gateway.limits.queue.length === 3, 2000, 'three requests queued', settle);
    clock.advance(1000);
    await eventually(() => h.openai.chatCalls === 2, 2000, 'the second request sent', settle);
    clock.advance(1000);
    const answers = await Promise.all(waiting);
    assert.deepEqual(
      answers.map((a) => [a.status, a.headers.get('x-switchyard-queue-ms')]),
      [
        [200, '1000'],
        [200, '2000'],
        [429, '2000'],
      ],
    );
    assert.equal(answers[2]!.headers.get('retry-after'), '1');
    assert.equal(h.openai.chatCalls, 3);
  });

  test('OPENAI_MAX_CONCURRENCY=2: 8 concurrent slow requests, never more than 2 in flight at OpenAI, all served', async () => {
    const h = await start({ env: { OPENAI_MAX_CONCURRENCY: '2' }, without: ['anthropic', 'gemini'] });
    h.openai.timing = { firstByteDelayMs: 150, chunkDelayMs: 20 };
    // Streams hold their slot until they end, JSON answers until they are read.
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => chat(h, i % 2 ? { stream: true } : {})));
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(8).fill(200),
    );
    assert.equal(h.openai.chatCalls, 8);
    assert.equal(h.openai.peakInFlight, 2);
    assert.ok(answers.filter((a) => Number(a.headers.get('x-switchyard-queue-ms') ?? 0) > 0).length >= 5);
    assert.equal(openaiKey(await health(h)).limits?.inFlight, 0);
  });

  test('OPENAI_TPM=1000 and two requests with max_tokens 800: the second does not go to OpenAI that minute', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, env: { OPENAI_TPM: '1000' }, without: ['gemini'] });
    const ask = () => chat(h, { max_tokens: 800 });
    assert.equal((await ask()).headers.get('x-switchyard-provider'), 'openai');
    const second = await ask();
    assert.equal(second.headers.get('x-switchyard-provider'), 'anthropic');
    assert.match(second.headers.get('x-switchyard-fallback-reason') ?? '', /openai:local_rate_limit/);
    clock.advance(45_000);
    assert.equal((await ask()).headers.get('x-switchyard-provider'), 'anthropic');
    // The first request's ~808 tokens are earned back at 1000 a minute: after about 48.5 s OpenAI is used again.
    clock.advance(5000);
    assert.equal((await ask()).headers.get('x-switchyard-provider'), 'openai');
    assert.equal(h.openai.chatCalls, 2);
  });
});

describe('limits learned from the providers', () => {
  test('OpenAI says remaining-requests 0 with a reset of 3 s: nothing goes to OpenAI until then, then traffic returns', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, without: ['gemini'] });
    h.openai.successHeaders = (call): Record<string, string> =>
      call === 1 ? { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '3s' } : {};
    assert.equal((await chat(h)).headers.get('x-switchyard-provider'), 'openai');
    const held = await chat(h);
    assert.equal(held.headers.get('x-switchyard-provider'), 'anthropic');
    assert.match(held.headers.get('x-switchyard-fallback-reason') ?? '', /openai:local_rate_limit/);
    const shown = openaiKey(await health(h)).limits?.learned?.[0];
    assert.equal(shown?.model, 'gpt-4o-mini');
    assert.deepEqual(shown?.requests, {
      limit: 10000,
      remaining: 0,
      resetAt: new Date(clock.now() + 3000).toISOString(),
    });
    // 300 ms before the reset: longer than the preferred wait (250 ms), so it goes elsewhere at once.
    clock.advance(2700);
    assert.equal((await chat(h)).headers.get('x-switchyard-provider'), 'anthropic');
    clock.advance(300);
    assert.equal((await chat(h)).headers.get('x-switchyard-provider'), 'openai');
    assert.equal(h.openai.chatCalls, 2);
  });

  test("the same with Anthropic's headers (RFC 3339 reset)", async () => {
    const clock = new ManualClock();
    const h = await start({ clock, without: ['openai'] });
    h.anthropic.successHeaders = (call): Record<string, string> =>
      call === 1
        ? {
            'anthropic-ratelimit-requests-remaining': '0',
            'anthropic-ratelimit-requests-reset': new Date(Date.now() + 3000).toISOString(),
          }
        : {};
    const ask = () => chat(h, { model: 'claude-sonnet-4-6' });
    assert.equal((await ask()).headers.get('x-switchyard-provider'), 'anthropic');
    const held = await ask();
    assert.equal(held.headers.get('x-switchyard-provider'), 'gemini');
    assert.match(held.headers.get('x-switchyard-fallback-reason') ?? '', /anthropic:local_rate_limit/);
    clock.advance(3000);
    assert.equal((await ask()).headers.get('x-switchyard-provider'), 'anthropic');
    assert.equal(h.anthropic.chatCalls, 2);
  });
  test("Gemini's RetryInfo on a 429 holds that key back for the stated delay; traffic goes elsewhere first", async () => {
    const clock = new ManualClock();
    const h = await start({ clock, without: ['openai'] });
    h.gemini.failNext(geminiFaults.rateLimited({ retryDelay: '30s' }));
    const ask = () => chat(h, { model: 'gemini-2.5-flash' });
    // The 429 itself: failed over at once to a healthy Anthropic rather than waiting 30 s.
    assert.equal((await ask()).headers.get('x-switchyard-provider'), 'anthropic');
    const held = await ask();
    assert.equal(held.headers.get('x-switchyard-provider'), 'anthropic');
    assert.match(held.headers.get('x-switchyard-fallback-reason') ?? '', /gemini:local_rate_limit/);
    assert.equal(h.gemini.chatCalls, 1, 'no request reached Gemini during the delay');
    const key = (await health(h)).providers.find((p) => p.name === 'gemini')!.keys![0]!;
    assert.equal(
      (key.limits?.learned?.[0] as { blockedUntil?: string } | undefined)?.blockedUntil,
      new Date(clock.now() + 30_000).toISOString(),
    );
    clock.advance(30_000);
    assert.equal((await ask()).headers.get('x-switchyard-provider'), 'gemini');
  });
});

describe('the wait queue', () => {
  test('a client that disconnects leaves the queue; a full queue answers 429 at once', async () => {
    const h = await start({
      env: { OPENAI_MAX_CONCURRENCY: '1', SWITCHYARD_QUEUE_MAX_LENGTH: '1' },
      without: ['anthropic', 'gemini'],
    });
    h.openai.failNext({ kind: 'hang' });
    const holder = new AbortController();
    const holding = chat(h, {}, { signal: holder.signal }).catch(() => undefined);
    await eventually(() => h.openai.inFlight === 1, 2000, 'the first request in flight');
    const leaver = new AbortController();
    const leaving = chat(h, {}, { signal: leaver.signal }).catch((error: Error) => error);
    await eventually(() => h.gateway.limits.queue.length === 1, 2000, 'the second request queued');
    assert.equal(openaiKey(await health(h)).limits?.waiting, 1);

    const full = await chat(h);
    assert.equal(full.status, 429);
    assert.equal(full.headers.get('x-should-retry'), 'true');
    assert.equal(full.headers.get('retry-after'), '1');
    assert.match(full.body.error?.message ?? '', /queue is full/);

    leaver.abort();
    await leaving;
    await eventually(() => h.gateway.limits.queue.length === 0, 2000, 'the queue empty again');
    holder.abort();
    await holding;
    await eventually(
      () => h.gateway.limits.keyStatus('openai#1', 'openai').inFlight === 0,
      2000,
      'the held slot freed',
    );
    assert.equal((await chat(h)).status, 200);
    assert.equal(h.openai.chatCalls, 2, 'the request that left never reached OpenAI');
  });

  test('a request waits briefly for its preferred provider (queue.preferredWaitMs) instead of spilling over', async () => {
    const clock = new ManualClock();
    // 240 RPM: a burst of 4, then one every 250 ms.
    const h = await start({ clock, env: { OPENAI_RPM: '240' }, without: ['gemini'] });
    for (let i = 0; i < 4; i++) assert.equal((await chat(h)).headers.get('x-switchyard-provider'), 'openai');
    const fifth = chat(h);
    await eventually(() => h.gateway.limits.queue.length === 1, 2000, 'the fifth waiting for OpenAI', settle);
    clock.advance(250);
    const answer = await fifth;
    assert.equal(answer.headers.get('x-switchyard-provider'), 'openai');
    assert.equal(answer.headers.get('x-switchyard-queue-ms'), '250');

    const eager = await start({
      clock,
      env: { OPENAI_RPM: '240', SWITCHYARD_QUEUE_PREFERRED_WAIT_MS: '0' },
      without: ['gemini'],
    });
    for (let i = 0; i < 4; i++) await chat(eager);
    assert.equal((await chat(eager)).headers.get('x-switchyard-provider'), 'anthropic');
  });
});

describe('visible in /health', () => {
  test('each key shows its budgets, what is left, learned limits and in-flight count; /admin/health too', async () => {
    const h = await start({ env: { OPENAI_RPM: '60', OPENAI_MAX_CONCURRENCY: '3' }, without: ['gemini'] });
    await chat(h);
    const key = openaiKey(await health(h));
    assert.deepEqual(key.limits?.budgets, [{ bucket: '*', kind: 'rpm', limit: 60, left: 0 }]);
    assert.equal(key.limits?.maxConcurrency, 3);
    assert.equal(key.limits?.inFlight, 0);
    assert.equal(key.limits?.learned?.[0]?.requests?.limit, 10000);
    const admin = (await (
      await fetch(`${h.url}/admin/health`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as { keys: Record<string, HealthKey[]>; budgets: { store: string } };
    assert.deepEqual(admin.keys.openai?.[0]?.limits?.budgets, key.limits?.budgets);
    assert.deepEqual(admin.keys.anthropic?.[0]?.limits, { inFlight: 0, waiting: 0 });
    assert.equal(admin.budgets.store, 'local');
  });
});

describe('fleet-wide budgets on Redis', () => {
  test('two instances with OPENAI_RPM=10 send at most about 10 requests a minute to OpenAI together', async () => {
    const clock = new ManualClock();
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const options = (shared?: Harness): HarnessOptions => ({
      clock,
      env: { OPENAI_RPM: '10' },
      without: ['gemini'],
      budgetStore: createRedisBudgetStore({ redis: REDIS_URL, prefix }),
      ...(shared ? { shareMocksWith: shared } : {}),
    });
    const a = await start(options());
    const b = await start(options(a));
    const statuses: number[] = [];
    // One simulated minute: each instance gets a request every half second; budgets sync in between.
    for (let step = 0; step < 120; step++) {
      const answers = await Promise.all([chat(a), chat(b)]);
      statuses.push(...answers.map((answer) => answer.status));
      await Promise.all([a.gateway.limits.syncNow(), b.gateway.limits.syncNow()]);
      clock.advance(500);
    }
    assert.ok(
      statuses.every((status) => status === 200),
      'every request served (Anthropic takes the rest)',
    );
    assert.ok(a.openai.chatCalls >= 8 && a.openai.chatCalls <= 11, `OpenAI got ${a.openai.chatCalls} in a minute`);
    const shown = await health(a);
    assert.equal(shown.budgets.store, 'redis');
    assert.equal(shown.budgets.degraded, false);
  });

  test('Redis unreachable: each instance keeps a conservative local share and /health says so', async () => {
    const port = await freePort();
    const h = await start({
      env: { OPENAI_RPM: '60' },
      without: ['gemini'],
      budgetStore: createRedisBudgetStore({ redis: `redis://127.0.0.1:${port}`, prefix: uniquePrefix() }),
    });
    await h.gateway.limits.syncNow();
    const shown = await health(h);
    assert.equal(shown.status, 'degraded');
    assert.equal(shown.budgets.degraded, true);
    assert.equal(shown.budgets.localShare, 1);
    assert.equal(shown.budgets.lastError, undefined, 'the error (hosts, ports) is for /admin/health only');
    const admin = (await (
      await fetch(`${h.url}/admin/health`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as { budgets: { lastError?: string } };
    assert.match(admin.budgets.lastError ?? '', /redis/);
    const answers = [await chat(h), await chat(h)];
    assert.deepEqual(
      answers.map((a) => a.headers.get('x-switchyard-provider')),
      ['openai', 'anthropic'],
      'the local share still limits',
    );
    assert.ok(h.logs.some((line) => line.event === 'budget_store_unavailable' && line.alert === true));
  });
});
