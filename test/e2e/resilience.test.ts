/**
 * The resilience engine end to end: every row of the classification table, every Retry-After form, timeouts,
 * the streaming commit point, the retry budget, cancellation and the attempts bound. Backoff runs on a
 * ManualClock, so no test waits for real backoff; the waits the gateway chose are asserted exactly.
 */

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { anthropicFaults } from '../../mocks/anthropic-mock.ts';
import { geminiFaults } from '../../mocks/gemini-mock.ts';
import { openaiError, openaiFaults } from '../../mocks/openai-mock.ts';
import { assertNoSecrets, eventually, type Harness, type HarnessOptions, startHarness } from '../helpers/harness.ts';
import { createTestHealth } from '../helpers/test-health.ts';
import { ManualClock } from '../support/manual-clock.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness({ random: () => 0.5, ...options });
  return h;
}

interface Answer {
  status: number;
  headers: Headers;
  body: {
    error?: { message: string; type: string; param: string | null; code: string | null };
    choices?: Array<{ message: { content: string | null } }>;
  };
  text: string;
}

async function chat(
  h: Harness,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Answer> {
  const response = await fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], ...extra }),
    ...(signal ? { signal } : {}),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return {
    status: response.status,
    headers: response.headers,
    body: (json ? JSON.parse(text) : {}) as Answer['body'],
    text,
  };
}

/** Advances the manual clock by each backoff sleep the gateway asks for, as soon as it asks. */
function autoAdvance(clock: ManualClock): () => void {
  let handled = 0;
  const timer = setInterval(() => {
    while (handled < clock.sleeps.length) clock.advance(clock.sleeps[handled++]!);
  }, 1);
  return () => clearInterval(timer);
}

describe('client errors: never retried, never sent elsewhere', () => {
  for (const [name, fault, status] of [
    ['400 bad_request', openaiFaults.badParam('temperature'), 400],
    ['404 not_found', openaiFaults.modelNotFound('gpt-nope'), 404],
    [
      '422 unprocessable',
      {
        kind: 'status' as const,
        status: 422,
        body: openaiError(422, 'Unprocessable entity', 'invalid_request_error', 'unprocessable_entity'),
      },
      422,
    ],
  ] as const) {
    test(name, async () => {
      const h = await start();
      h.openai.failAlways(fault);
      const answer = await chat(h);
      assert.equal(answer.status, status);
      assert.equal(h.openai.chatCalls, 1);
      assert.equal(h.anthropic.chatCalls + h.gemini.chatCalls, 0);
      assert.equal(answer.headers.get('x-should-retry'), 'false');
      assert.equal(answer.headers.get('x-switchyard-attempts'), '1');
      assert.equal(answer.body.error?.type, 'invalid_request_error');
    });
  }
});

describe('a provider that cannot serve the request', () => {
  const unsupported = () =>
    ({
      kind: 'status' as const,
      status: 400,
      body: openaiError(
        400,
        "Unsupported parameter: 'temperature' is not supported with this model.",
        'invalid_request_error',
        'unsupported_parameter',
        'temperature',
      ),
    }) as const;

  test("OpenAI's own unsupported_parameter: the next provider serves, and OpenAI's health hears nothing", async () => {
    const health = createTestHealth();
    const h = await start({ health });
    h.openai.failAlways(unsupported());
    const answer = await chat(h, { temperature: 0.2 });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.equal(answer.headers.get('x-switchyard-fallback-reason'), 'openai:unsupported_temperature');
    assert.equal(h.openai.chatCalls, 1, 'not retried');
    await health.tick();
    const report = health.report().providers;
    assert.equal(report.find((p) => p.provider === 'anthropic')?.short.requests, 1, 'the one that served is');
    assert.equal(report.find((p) => p.provider === 'openai')?.short.requests ?? 0, 0, 'not recorded as a request');
  });

  test('when no provider can: the 400 as the upstream stated it, not a gateway failure', async () => {
    const h = await start({ without: ['anthropic', 'gemini'] });
    h.openai.failAlways(unsupported());
    const answer = await chat(h, { temperature: 0.2 });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error?.code, 'unsupported_parameter');
    assert.equal(answer.body.error?.param, 'temperature');
    assert.equal(answer.headers.get('x-should-retry'), 'false');
  });
});

describe('context_length', () => {
  test('without a larger-context route: a 400 at once, nothing else tried', async () => {
    const h = await start();
    h.openai.failAlways(openaiFaults.contextLengthExceeded());
    const answer = await chat(h);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error?.code, 'context_length_exceeded');
    assert.equal(h.openai.chatCalls + h.anthropic.chatCalls + h.gemini.chatCalls, 1);
  });

  test('with contextFallback: moves to the larger-context route', async () => {
    const h = await start({
      configText:
        'routes:\n  small:\n    targets: [openai:gpt-4o-mini]\n    contextFallback: big\n  big: [gemini:gemini-2.5-pro]\n',
    });
    h.openai.failAlways(openaiFaults.contextLengthExceeded());
    const answer = await chat(h, { model: 'small' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'gemini');
    assert.equal(answer.headers.get('x-switchyard-model'), 'gemini-2.5-pro');
    assert.match(
      answer.headers.get('x-switchyard-fallback-reason') ?? '',
      /openai:context_length_400,context_fallback:big/,
    );
    assert.equal(h.openai.chatCalls, 1);
  });
});

describe('auth and permission from an upstream are the operator’s problem', () => {
  test('401 from OpenAI: not retried with that key, key marked bad with an alert, Anthropic serves', async () => {
    const h = await start();
    h.openai.failAlways(openaiFaults.invalidApiKey('sk-proj-****6789abcd'));
    const answer = await chat(h);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.equal(h.openai.chatCalls, 1);
    const alert = h.logs.find((line) => line.event === 'key_rejected');
    assert.equal(alert?.key, 'openai#1');
    assert.equal(alert?.alert, true);
    const health = (await (await fetch(`${h.url}/health`)).json()) as {
      providers: Array<{ name: string; keys?: Array<{ id: string; state: string }> }>;
    };
    assert.deepEqual(health.providers.find((p) => p.name === 'openai')?.keys, [{ id: 'openai#1', state: 'bad' }]);
    // The bad key is out: the next request does not touch OpenAI at all.
    await chat(h);
    assert.equal(h.openai.chatCalls, 1);
    assertNoSecrets(JSON.stringify(h.logs), 'logs');
    assert.ok(!JSON.stringify(h.logs).includes('6789abcd'), 'the masked key OpenAI echoed is not logged');
  });

  test('a key pool: the next key of the same provider serves', async () => {
    const h = await start({
      env: { OPENAI_API_KEY: 'sk-proj-SECRETopenaiKEY0123456789abcd,sk-proj-second-key-000000000000' },
    });
    h.openai.failNext(openaiFaults.invalidApiKey());
    const answer = await chat(h);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'openai');
    assert.equal(h.openai.chatCalls, 2);
    const keys = h.openai.requests.map((r) => r.headers.authorization);
    assert.notEqual(keys[0], keys[1], 'the second attempt used the other key');
  });

  test('a pool of three keys: the failed key is followed by the next one in order, none skipped', async () => {
    const keys = [
      'sk-proj-first-key-0000000000000',
      'sk-proj-second-key-000000000000',
      'sk-proj-third-key-0000000000000',
    ];
    const h = await start({ env: { OPENAI_API_KEY: keys.join(',') } });
    h.openai.failNext(openaiFaults.invalidApiKey());
    assert.equal((await chat(h)).status, 200);
    assert.equal((await chat(h)).status, 200);
    const used = h.openai.requests.map((r) => r.headers.authorization);
    // Checking whether another key exists must not move the rotation on (it once skipped the second key).
    assert.deepEqual(used, [`Bearer ${keys[0]}`, `Bearer ${keys[1]}`, `Bearer ${keys[2]}`]);
  });

  test('403 from Anthropic (first in order) fails over the same way', async () => {
    const h = await start({ configText: 'policy:\n  order: [anthropic, gemini, openai]\n' });
    h.anthropic.failAlways(anthropicFaults.permission());
    const answer = await chat(h, { model: 'claude-sonnet-4-6' });
    assert.equal(answer.status, 200);
    assert.notEqual(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.equal(h.anthropic.chatCalls, 1);
  });

  test('when nothing else can serve: a 502 naming the provider, never a 401 that blames the caller', async () => {
    const h = await start({ without: ['anthropic', 'gemini'] });
    h.openai.failAlways(openaiFaults.invalidApiKey());
    const answer = await chat(h);
    assert.equal(answer.status, 502);
    assert.equal(answer.body.error?.code, 'upstream_auth_failed');
    assert.match(answer.body.error?.message ?? '', /openai/);
    assert.match(answer.body.error?.message ?? '', /not your API key/);
    assert.equal(answer.headers.get('x-should-retry'), 'false');
    assertNoSecrets(answer.text, 'response');
  });
});

describe('rate_limit (429)', () => {
  test('another healthy provider: fail over at once instead of waiting', async () => {
    const clock = new ManualClock();
    const h = await start({ clock });
    h.openai.failAlways(openaiFaults.rateLimited({ retryAfterSeconds: 20 }));
    const answer = await chat(h);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.deepEqual(clock.sleeps, [], 'no wait');
    assert.match(answer.headers.get('x-switchyard-fallback-reason') ?? '', /openai:rate_limit_429,openai:skip_wait/);
  });

  const forms: Array<[string, () => import('../../mocks/mock-upstream.ts').Fault, number]> = [
    ['Retry-After seconds', () => openaiFaults.rateLimited({ retryAfterSeconds: 2 }), 2000],
    ['retry-after-ms', () => openaiFaults.rateLimited({ retryAfterMs: 1500, retryAfterSeconds: 2 }), 1500],
    [
      'x-ratelimit-reset-requests duration',
      () =>
        openaiFaults.rateLimited({
          headers: { 'x-ratelimit-reset-requests': '1s500ms', 'x-ratelimit-remaining-requests': '0' },
        }),
      1500,
    ],
  ];
  for (const [name, fault, wait] of forms) {
    test(`only provider: honours ${name} exactly, then succeeds`, async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const h = await start({ clock, without: ['anthropic', 'gemini'] });
      h.openai.failNext(fault());
      const stop = autoAdvance(clock);
      const answer = await chat(h);
      stop();
      assert.equal(answer.status, 200);
      assert.deepEqual(clock.sleeps, [wait]);
      assert.equal(h.openai.chatCalls, 2);
    });
  }

  test('only provider: honours Retry-After as an HTTP-date (whole seconds, from the real clock)', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, without: ['anthropic', 'gemini'] });
    h.openai.failNext(
      openaiFaults.rateLimited({ headers: { 'retry-after': new Date(Date.now() + 3000).toUTCString() } }),
    );
    const stop = autoAdvance(clock);
    const answer = await chat(h);
    stop();
    assert.equal(answer.status, 200);
    assert.equal(clock.sleeps.length, 1);
    assert.ok(clock.sleeps[0]! > 1500 && clock.sleeps[0]! <= 3000, `waited ${clock.sleeps[0]} ms`);
  });

  test('Gemini RetryInfo.retryDelay is honoured', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, without: ['openai', 'anthropic'] });
    h.gemini.failNext(geminiFaults.rateLimited({ retryDelay: '7s' }));
    const stop = autoAdvance(clock);
    const answer = await chat(h, { model: 'gemini-2.5-flash' });
    stop();
    assert.equal(answer.status, 200);
    assert.deepEqual(clock.sleeps, [7000]);
  });

  test('a wait longer than the deadline is not taken: the client gets an honest 429 with retry-after', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, without: ['anthropic', 'gemini'], env: { SWITCHYARD_DEADLINE_MS: '10000' } });
    h.openai.failAlways(
      openaiFaults.rateLimited({
        headers: { 'x-ratelimit-reset-tokens': '6m0s', 'x-ratelimit-remaining-tokens': '0' },
      }),
    );
    const answer = await chat(h);
    assert.equal(answer.status, 429);
    assert.deepEqual(clock.sleeps, []);
    assert.equal(h.openai.chatCalls, 1);
    assert.equal(answer.headers.get('retry-after'), '360');
    assert.equal(answer.body.error?.code, 'rate_limit_exceeded');
  });
});

describe('quota_exhausted', () => {
  test('OpenAI insufficient_quota: never retried, key excluded, request served elsewhere', async () => {
    const clock = new ManualClock();
    const h = await start({ clock });
    h.openai.failAlways(openaiFaults.insufficientQuota());
    const first = await chat(h);
    assert.equal(first.status, 200);
    assert.equal(h.openai.chatCalls, 1);
    assert.deepEqual(clock.sleeps, []);
    assert.ok(h.logs.some((line) => line.event === 'key_quota_exhausted' && line.alert === true));
    await chat(h);
    assert.equal(h.openai.chatCalls, 1, 'excluded until its reset');
  });

  test('Anthropic spend limit and Gemini per-day quota are quota exhaustion too', async () => {
    const h = await start({ configText: 'policy:\n  order: [anthropic, gemini, openai]\n' });
    h.anthropic.failAlways(anthropicFaults.spendLimit());
    h.gemini.failAlways(geminiFaults.dailyQuotaExhausted());
    const answer = await chat(h);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'openai');
    assert.equal(h.anthropic.chatCalls, 1);
    assert.equal(h.gemini.chatCalls, 1);
    assert.match(
      answer.headers.get('x-switchyard-fallback-reason') ?? '',
      /anthropic:quota_exhausted_429,gemini:quota_exhausted_429/,
    );
  });
});

describe('transient failures: backoff with full jitter, then failover', () => {
  test('500 then success: one retry after a jittered backoff', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, without: ['anthropic', 'gemini'] });
    h.openai.failNext(openaiFaults.serverError());
    const stop = autoAdvance(clock);
    const answer = await chat(h);
    stop();
    assert.equal(answer.status, 200);
    assert.deepEqual(clock.sleeps, [500], 'random 0.5 × base 1000 ms');
    assert.equal(answer.headers.get('x-switchyard-attempts'), '2');
  });

  test('503 overload starts from the longer overload base; Anthropic 529 is an overload', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, configText: 'policy:\n  order: [anthropic, openai, gemini]\n' });
    h.anthropic.failNext(anthropicFaults.overloaded());
    const stop = autoAdvance(clock);
    const answer = await chat(h, { model: 'claude-sonnet-4-6' });
    stop();
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.deepEqual(clock.sleeps, [1000], 'random 0.5 × overload base 2000 ms');
  });

  test('a provider that trips while a retry waits is not retried: the request fails over', async () => {
    const clock = new ManualClock();
    const h = await start({ clock });
    h.openai.failAlways(openaiFaults.serverError());
    const pending = chat(h);
    await eventually(() => clock.sleeps.length === 1, 2000, 'backoff started');
    await h.health.drain('openai');
    clock.advance(clock.sleeps[0]!);
    const answer = await pending;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.equal(h.openai.chatCalls, 1);
    assert.equal(answer.headers.get('x-switchyard-fallback-reason'), 'openai:server_500,openai:unhealthy');
  });

  test('persistent 502: retried once at the provider, then failover', async () => {
    const clock = new ManualClock();
    const h = await start({ clock });
    h.openai.failAlways({ kind: 'status', status: 502, body: openaiError(502, 'Bad gateway', 'server_error', null) });
    const stop = autoAdvance(clock);
    const answer = await chat(h);
    stop();
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.equal(h.openai.chatCalls, 2);
    assert.equal(answer.headers.get('x-switchyard-fallback-reason'), 'openai:server_502,openai:server_502');
  });

  test('504 from Gemini is a timeout: retried, then the next provider', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, configText: 'policy:\n  order: [gemini, openai, anthropic]\n' });
    h.gemini.failAlways(geminiFaults.deadlineExceeded());
    const stop = autoAdvance(clock);
    const answer = await chat(h, { model: 'gemini-2.5-flash' });
    stop();
    assert.equal(answer.status, 200);
    assert.equal(h.gemini.chatCalls, 2);
    assert.match(answer.headers.get('x-switchyard-fallback-reason') ?? '', /^gemini:timeout_504,gemini:timeout_504$/);
  });

  test('dropped connection (network) fails over', async () => {
    const h = await start({ random: () => 0 });
    h.openai.failAlways({ kind: 'drop' });
    const answer = await chat(h);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.match(answer.headers.get('x-switchyard-fallback-reason') ?? '', /openai:network/);
  });

  test('malformed JSON from a provider is a retryable failure, not a crash', async () => {
    const h = await start({ random: () => 0 });
    h.openai.failAlways({ kind: 'malformed' });
    const json = await chat(h);
    assert.equal(json.status, 200);
    assert.equal(json.headers.get('x-switchyard-provider'), 'anthropic');
    const streamed = await chat(h, { stream: true });
    assert.equal(streamed.status, 200);
    assert.equal(streamed.headers.get('x-switchyard-provider'), 'anthropic');
  });
});

describe('timeouts', () => {
  test('a hung stream hits the first-token timeout and fails over', async () => {
    const h = await start({ env: { SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS: '300' }, random: () => 0 });
    h.openai.failAlways({ kind: 'hang' });
    const started = Date.now();
    const answer = await chat(h, { stream: true });
    const took = Date.now() - started;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.match(answer.headers.get('x-switchyard-fallback-reason') ?? '', /openai:first_token_timeout/);
    assert.ok(took < 1500, `took ${took} ms`);
    await eventually(() => h!.openai.inFlight === 0, 2000, 'hung OpenAI calls aborted');
  });

  test('a hung non-streaming call is abandoned after nonStreamingTimeoutMs and served by the fallback', async () => {
    const h = await start({ env: { SWITCHYARD_NON_STREAMING_TIMEOUT_MS: '300' }, random: () => 0 });
    h.openai.failAlways({ kind: 'hang' });
    const started = Date.now();
    const answer = await chat(h);
    const took = Date.now() - started;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.match(answer.headers.get('x-switchyard-fallback-reason') ?? '', /openai:non_streaming_timeout/);
    assert.ok(took < 1500, `took ${took} ms`);
    // It was a plain JSON call, not a stream, and it was cancelled.
    assert.equal((h.openai.requests.at(-1)?.body as { stream?: unknown } | undefined)?.stream, false);
    await eventually(() => h!.openai.inFlight === 0, 2000, 'hung OpenAI calls aborted');
  });

  test('slow first byte but steady tokens afterwards is not cut off', async () => {
    const h = await start({ env: { SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS: '400', SWITCHYARD_IDLE_TIMEOUT_MS: '300' } });
    h.openai.timing = { firstByteDelayMs: 200, chunkDelayMs: 100 };
    h.openai.script = { text: Array.from({ length: 12 }, (_, i) => `w${i} `) };
    const answer = await chat(h);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'openai');
    assert.equal(answer.body.choices?.[0]?.message.content, Array.from({ length: 12 }, (_, i) => `w${i} `).join(''));
  });

  test('x-switchyard-deadline-ms lowers the deadline for one request', async () => {
    const h = await start({ without: ['anthropic', 'gemini'] });
    h.openai.failAlways({ kind: 'hang' });
    const started = Date.now();
    const answer = await chat(h, {}, { 'x-switchyard-deadline-ms': '250' });
    assert.ok(Date.now() - started < 1000);
    assert.equal(answer.status, 504);
    assert.equal(answer.body.error?.code, 'upstream_timeout');
    const bad = await chat(h, {}, { 'x-switchyard-deadline-ms': 'soon' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.param, 'x-switchyard-deadline-ms');
  });
});

describe('streaming commit point', () => {
  test('a stream cut before its first token fails over invisibly', async () => {
    const h = await start({ random: () => 0 });
    h.openai.failAlways({ kind: 'cut', afterEvents: 1 });
    const answer = await chat(h, { stream: true });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.ok(answer.text.includes('Claude'));
    assert.ok(answer.text.trimEnd().endsWith('data: [DONE]'));
    assert.ok(!answer.text.includes('"error"'));
  });

  test('a stream cut after its first token ends with an error event and is never switched', async () => {
    const h = await start({ random: () => 0 });
    h.openai.failAlways({ kind: 'cut', afterEvents: 3 });
    const answer = await chat(h, { stream: true });
    assert.equal(answer.status, 200);
    const frames = answer.text.trim().split('\n\n');
    const last = JSON.parse(frames.at(-1)!.replace(/^data: /, '')) as {
      error: { type: string; code: string; message: string };
    };
    assert.equal(last.error.type, 'upstream_error');
    assert.equal(last.error.code, 'stream_interrupted');
    assert.ok(!answer.text.includes('[DONE]'));
    assert.equal(h.anthropic.chatCalls + h.gemini.chatCalls, 0, 'no switch after the commit point');
    assert.ok(answer.text.includes('Hello'));
  });

  test('an error the provider sends inside a started stream becomes an OpenAI error event', async () => {
    const h = await start({ configText: 'policy:\n  order: [anthropic, openai, gemini]\n' });
    h.anthropic.failAlways(anthropicFaults.streamOverloaded(5));
    const answer = await chat(h, { model: 'claude-sonnet-4-6', stream: true });
    const last = JSON.parse(
      answer.text
        .trim()
        .split('\n\n')
        .at(-1)!
        .replace(/^data: /, ''),
    ) as { error: { code: string } };
    assert.equal(last.error.code, 'overloaded');
    assert.equal(h.openai.chatCalls, 0);
  });

  test('a stream that stalls after it started hits the idle timeout and ends with an error event', async () => {
    const h = await start({ env: { SWITCHYARD_IDLE_TIMEOUT_MS: '200' } });
    h.openai.timing = { firstByteDelayMs: 0, chunkDelayMs: 600 };
    const answer = await chat(h, { stream: true });
    const last = JSON.parse(
      answer.text
        .trim()
        .split('\n\n')
        .at(-1)!
        .replace(/^data: /, ''),
    ) as { error: { code: string } };
    assert.equal(last.error.code, 'idle_timeout');
    await eventually(() => h!.openai.inFlight === 0, 2000, 'stalled upstream aborted');
  });
});

describe('no amplification', () => {
  test('the retry budget stops a retry storm', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, without: ['anthropic', 'gemini'] });
    h.openai.failAlways(openaiFaults.serverError());
    const stop = autoAdvance(clock);
    const requests = 60;
    for (let i = 0; i < requests; i++) {
      const answer = await chat(h);
      assert.equal(answer.status, 502);
      assert.equal(answer.headers.get('x-should-retry'), 'false');
    }
    stop();
    const retries = h.openai.chatCalls - requests;
    // Default budget: 20 % of recent requests, at least 10 retries per window.
    assert.ok(retries <= Math.max(10, 0.2 * requests) + 1, `${retries} retries for ${requests} requests`);
    assert.ok(retries >= 10, 'the floor still allowed some retries');
    assert.ok(
      h.logs.some((line) => typeof line.reasons === 'object' && JSON.stringify(line.reasons).includes('retry_budget')),
    );
  });

  test('attempts per request are bounded across all providers and keys', async () => {
    const clock = new ManualClock();
    const keys = (p: string) => Array.from({ length: 4 }, (_, i) => `${p}-key-${i}-000000000000`).join(',');
    const h = await start({
      clock,
      env: { OPENAI_API_KEY: keys('sk-proj'), ANTHROPIC_API_KEY: keys('sk-ant'), GEMINI_API_KEY: keys('AIza') },
      configText: 'policy:\n  maxAttempts: 4\n',
    });
    h.openai.failAlways(openaiFaults.invalidApiKey());
    h.anthropic.failAlways(anthropicFaults.invalidApiKey());
    h.gemini.failAlways(geminiFaults.apiKeyInvalid());
    const answer = await chat(h);
    assert.equal(answer.status, 502);
    const calls = h.openai.chatCalls + h.anthropic.chatCalls + h.gemini.chatCalls;
    assert.equal(calls, 4);
    assert.equal(answer.headers.get('x-switchyard-attempts'), '4');
  });

  test('with several providers, retries never take the attempts the others need', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, configText: 'policy:\n  maxAttempts: 3\n  maxAttemptsPerProvider: 3\n' });
    h.openai.failAlways(openaiFaults.serverError());
    h.anthropic.failAlways(anthropicFaults.serverError());
    const stop = autoAdvance(clock);
    const answer = await chat(h);
    stop();
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'gemini');
  });
});

describe('cancellation', () => {
  test('a client that disconnects during backoff cancels the backoff and never calls upstream again', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, without: ['anthropic', 'gemini'] });
    h.openai.failAlways(openaiFaults.serverError());
    const controller = new AbortController();
    const pending = chat(h, {}, {}, controller.signal).catch(() => undefined);
    await eventually(() => clock.sleeps.length === 1, 2000, 'backoff started');
    controller.abort();
    await pending;
    await eventually(() => clock.pending === 0, 2000, 'backoff cancelled');
    clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(h.openai.chatCalls, 1, 'no orphan attempt after the client left');
    assert.ok(h.logs.some((line) => line.event === 'request' && line.status === 499));
  });
});

describe('explainable decisions', () => {
  test('every answer carries request id, provider, model, attempts and fallback reasons; one log line per request', async () => {
    const h = await start({ random: () => 0 });
    h.openai.failNext(openaiFaults.serverError(), openaiFaults.serverError());
    const answer = await chat(h);
    assert.match(answer.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.equal(answer.headers.get('x-switchyard-model'), 'claude-sonnet-4-6');
    assert.equal(answer.headers.get('x-switchyard-attempts'), '3');
    assert.equal(answer.headers.get('x-switchyard-fallback-reason'), 'openai:server_500,openai:server_500');
    const lines = h.logs.filter((line) => line.event === 'request');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.request_id, answer.headers.get('x-request-id'));
    assert.equal(lines[0]?.provider, 'anthropic');
    assert.equal(lines[0]?.attempts, 3);
    assert.equal(lines[0]?.fallback_reason, 'openai:server_500,openai:server_500');
  });
});
