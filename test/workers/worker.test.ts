/**
 * The deployable Worker, run inside workerd (Miniflare) against loopback mocks: what a client of a
 * Workers deployment sees. Start, auth (secure by default), an incremental stream, failover, health
 * tripping and recovering without timers in the isolate, the shared Durable Object state seen by a second
 * isolate and by a replaced one, transitions decided once in the object from every isolate's outcomes,
 * configuration errors, client aborts cancelling the upstream call at once, and every documented setting
 * taking effect.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startAnthropicMock } from '../../mocks/anthropic-mock.ts';
import { startGeminiMock } from '../../mocks/gemini-mock.ts';
import type { Fault, MockUpstream } from '../../mocks/mock-upstream.ts';
import { openaiError, startOpenAIMock } from '../../mocks/openai-mock.ts';
import { assertNoSecrets, SECRET_KEYS } from '../helpers/harness.ts';
import { bundleWorker, type RunningWorkerd, startWorkerd, type WorkerBundle } from '../support/workerd.ts';

const GATEWAY_KEY = 'sy-test-gateway-key';
const ADMIN_KEY = 'sy-test-admin-key';
const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };
/** Short cool-down and few probes, so recovery happens within the test. */
const FAST_HEALTH = JSON.stringify({
  health: { probe: { cooldownMs: 3000, share: 1, successesToRecover: 1, minProbeMs: 0 } },
});

const SERVER_ERROR: Fault = {
  kind: 'status',
  status: 500,
  body: openaiError(500, 'The server had an error.', 'server_error', null),
};

let bundle: WorkerBundle;
let openai: MockUpstream;
let anthropic: MockUpstream;
let gemini: MockUpstream;

function providerEnv(): Record<string, string> {
  return {
    OPENAI_API_KEY: SECRET_KEYS.openai,
    OPENAI_BASE_URL: `${openai.url}/v1`,
    ANTHROPIC_API_KEY: SECRET_KEYS.anthropic,
    ANTHROPIC_BASE_URL: anthropic.url,
    GEMINI_API_KEY: SECRET_KEYS.gemini,
    GEMINI_BASE_URL: gemini.url,
  };
}

function authed(body: unknown = CHAT): RequestInit {
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

async function stateOf(fetcher: (path: string) => Promise<Response>, provider: string): Promise<string | undefined> {
  const health = (await (await fetcher('/health')).json()) as { providers: Array<{ name: string; state?: string }> };
  return health.providers.find((p) => p.name === provider)?.state;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

before(async () => {
  bundle = bundleWorker();
  [openai, anthropic, gemini] = await Promise.all([startOpenAIMock(), startAnthropicMock(), startGeminiMock()]);
});

after(async () => {
  await Promise.all([openai, anthropic, gemini].map((mock) => mock?.close()));
  bundle?.remove();
});

describe('Worker inside workerd, two isolates sharing the Durable Object', { timeout: 60_000 }, () => {
  let worker: RunningWorkerd;
  const get = (path: string, init?: RequestInit) => fetch(`${worker.url}${path}`, init);

  before(async () => {
    const env = {
      ...providerEnv(),
      GATEWAY_API_KEYS: GATEWAY_KEY,
      SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
      SWITCHYARD_CONFIG_YAML: FAST_HEALTH,
    };
    worker = await startWorkerd(bundle, { env, second: true, cancellingCaller: true });
  });
  after(async () => worker?.close());

  test('starts, answers /health with the Durable Object store and no warnings or secrets', async () => {
    const response = await get('/health');
    assert.equal(response.status, 200);
    const text = await response.text();
    assertNoSecrets(text, '/health');
    const body = JSON.parse(text) as {
      store: { type: string };
      warnings?: string[];
      providers: Array<{ name: string; configured: boolean }>;
    };
    assert.equal(body.store.type, 'durable');
    assert.equal(body.warnings, undefined);
    assert.deepEqual(
      body.providers.map((p) => [p.name, p.configured]),
      [
        ['openai', true],
        ['anthropic', true],
        ['gemini', true],
      ],
    );
  });

  test('auth: no key or a wrong key is a 401 in OpenAI format; the right key gets an answer from OpenAI', async () => {
    openai.reset();
    const none = await get('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(CHAT),
    });
    assert.equal(none.status, 401);
    assert.equal(typeof ((await none.json()) as { error: { message: string } }).error.message, 'string');
    const wrong = await get('/v1/chat/completions', {
      ...authed(),
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
    });
    assert.equal(wrong.status, 401);
    const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${worker.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.equal(completion.choices[0]?.message.content, 'Hello from OpenAI.');
    assert.equal(openai.chatCalls, 1);
  });

  test('a stream arrives incrementally: the first chunk before the upstream has sent the rest', async () => {
    openai.reset();
    openai.timing = { firstByteDelayMs: 0, chunkDelayMs: 400 };
    const started = Date.now();
    const response = await get('/v1/chat/completions', authed({ ...CHAT, stream: true }));
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let firstContentAt = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (!firstContentAt && text.includes('"content":"Hello"')) firstContentAt = Date.now();
    }
    const ended = Date.now();
    assert.ok(firstContentAt > 0, 'saw the first content chunk');
    // Three text pieces 400 ms apart: the first arrives at least one gap before the end.
    assert.ok(ended - firstContentAt >= 400, `first chunk ${ended - firstContentAt} ms before the end`);
    assert.ok(ended - started >= 800);
    assert.ok(text.trimEnd().endsWith('data: [DONE]'));
  });

  test('failover: OpenAI down → Anthropic answers in OpenAI format', async () => {
    openai.reset();
    anthropic.reset();
    // A 500 and its retry (an invalid key would take the key out of the pool for the tests after this one).
    openai.failNext(SERVER_ERROR, SERVER_ERROR);
    const response = await get('/v1/chat/completions', authed());
    assert.equal(response.status, 200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0]?.message.content, 'Hello from Claude.');
    assert.equal(anthropic.chatCalls, 1);
  });

  test('health trips after repeated failures, the second isolate sees it, and it recovers', async () => {
    openai.reset();
    anthropic.reset();
    openai.failAlways(SERVER_ERROR);
    await until('OpenAI tripped', async () => {
      const response = await get('/v1/chat/completions', authed());
      assert.equal(response.status, 200, 'failover keeps answering');
      await response.arrayBuffer();
      return (await stateOf(get, 'openai')) === 'tripped';
    });
    // Tripped: requests go straight to Anthropic, no attempt at OpenAI.
    const callsBefore = openai.chatCalls;
    const response = await get('/v1/chat/completions', authed());
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    assert.equal(openai.chatCalls, callsBefore);
    // The other isolate has sent nothing to OpenAI, yet routes on the shared state.
    await until('isolate b sees OpenAI tripped', async () => (await stateOf(worker.fetchB, 'openai')) !== 'healthy');

    openai.heal();
    await until('OpenAI healthy again', async () => {
      const r = await get('/v1/chat/completions', authed());
      await r.arrayBuffer();
      return (await stateOf(get, 'openai')) === 'healthy';
    });
    await until('isolate b sees the recovery', async () => (await stateOf(worker.fetchB, 'openai')) === 'healthy');
  });

  test('drain through the admin API of one isolate is seen by the other', async () => {
    const drain = await get('/admin/providers/gemini/drain', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(drain.status, 200);
    await until('isolate b sees gemini drained', async () => (await stateOf(worker.fetchB, 'gemini')) === 'drained');
    const restore = await worker.fetchB('/admin/providers/gemini/restore', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(restore.status, 200);
    await until('isolate a sees gemini restored', async () => (await stateOf(get, 'gemini')) === 'healthy');
  });

  test('a client abort mid-stream cancels the upstream by its next chunk, not later', async () => {
    openai.reset();
    openai.script = { text: ['one', ' two', ' three', ' four'] };
    openai.timing = { firstByteDelayMs: 0, chunkDelayMs: 1500 };
    const controller = new AbortController();
    const response = await get('/v1/chat/completions', {
      ...authed({ ...CHAT, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    const abortedAt = Date.now();
    controller.abort();
    // workerd notices a vanished client when it next writes to it (the next upstream chunk, 1.5 s on): the
    // upstream call is cancelled then, and the two chunks after it are never asked for.
    await until('the upstream connection closed', async () => openai.abortedRequests === 1, 3500);
    assert.ok(Date.now() - abortedAt < 3500);
  });

  test('a client gone before the response starts: the upstream call is cancelled at once, no failover', async () => {
    // Cloudflare cancels the Worker's request when its client goes away, and workerd then fires request.signal.
    // A client leaving workerd's local HTTP socket is not noticed before a response is written, so the
    // request is cancelled the other way workerd supports: by the Worker calling it through a service binding.
    const goneLines = () => worker.logs.filter((line) => line.includes('"status":499')).length;
    for (const stream of [false, true]) {
      openai.reset();
      anthropic.reset();
      openai.timing = { firstByteDelayMs: 5000, chunkDelayMs: 0 };
      const goneBefore = goneLines();
      const sentAt = Date.now();
      const seen = await worker.fetchCancelled('/v1/chat/completions', authed({ ...CHAT, stream }), 300);
      assert.equal(seen, 'cancelled', `stream: ${stream}`);
      await until('the upstream connection closed', async () => openai.abortedRequests === 1, 2000);
      assert.ok(Date.now() - sentAt < 2300, `upstream closed ${Date.now() - sentAt} ms after the request`);
      // The gateway heard it through request.signal (enable_request_signal): its request line says 499.
      await until('the request logged as 499 (client gone)', async () => goneLines() === goneBefore + 1, 2000);
      assert.equal(openai.chatCalls, 1);
      // A client that left is not a provider failure: nothing is retried or sent to the fallback.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(openai.chatCalls, 1);
      assert.equal(anthropic.chatCalls, 0, `stream: ${stream}`);
    }
  });

  test('no provider key in anything the Worker logged', () => {
    for (const line of worker.logs) assertNoSecrets(line, 'worker log');
    assert.ok(worker.logs.length > 0);
  });
});

describe('Worker inside workerd: the Durable Object decides health for every isolate', { timeout: 60_000 }, () => {
  const alerts: Array<{ event: string; provider: string; signal: string; window: string | null }> = [];
  let hook: Server;
  let worker: RunningWorkerd;
  const get = (path: string, init?: RequestInit) => fetch(`${worker.url}${path}`, init);

  before(async () => {
    hook = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        alerts.push(JSON.parse(raw));
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const env = {
      ...providerEnv(),
      GATEWAY_API_KEYS: GATEWAY_KEY,
      SWITCHYARD_ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
    };
    worker = await startWorkerd(bundle, { env, second: true });
  });
  after(async () => {
    openai.reset();
    await worker?.close();
    await new Promise<void>((resolve) => hook?.close(() => resolve()));
  });

  test('failures in a row spread over two isolates trip OpenAI, though neither isolate saw five; one alert', async () => {
    openai.reset();
    openai.failAlways(SERVER_ERROR);
    const attempts = { a: 0, b: 0 };
    for (const [isolate, fetcher] of [
      ['a', get],
      ['b', worker.fetchB],
      ['a', get],
    ] as const) {
      const before = openai.chatCalls;
      const response = await fetcher('/v1/chat/completions', authed());
      assert.equal(response.status, 200, 'failover answers');
      await response.arrayBuffer();
      attempts[isolate] += openai.chatCalls - before;
    }
    // The premise: no isolate alone reached the five-in-a-row threshold, and the short window holds fewer
    // requests than the failure-rate rule needs (10), so only the fleet-wide streak can trip it.
    assert.ok(attempts.a < 5 && attempts.b < 5, JSON.stringify(attempts));
    assert.ok(attempts.a + attempts.b >= 5 && attempts.a + attempts.b < 10, JSON.stringify(attempts));
    await until('both isolates see OpenAI tripped', async () => {
      const [a, b] = await Promise.all([stateOf(get, 'openai'), stateOf(worker.fetchB, 'openai')]);
      return a === 'tripped' && b === 'tripped';
    });
    await until('the trip alerted', async () => alerts.some((x) => x.event === 'tripped'), 5000);
    // Give a second decider, if there were one, time to alert too.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const trips = alerts.filter((x) => x.event === 'tripped' && x.provider === 'openai');
    assert.equal(trips.length, 1, JSON.stringify(alerts));
    assert.equal(trips[0]?.signal, 'fast_trip');
    assert.equal(trips[0]?.window, 'consecutive');
  });
});

describe('Worker inside workerd: defaults and configuration', { timeout: 60_000 }, () => {
  test('without GATEWAY_API_KEYS: /v1/* answers 401 and /health says why', async () => {
    openai.reset();
    const worker = await startWorkerd(bundle, { env: providerEnv() });
    try {
      const chat = await fetch(`${worker.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(CHAT),
      });
      assert.equal(chat.status, 401);
      const body = (await chat.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'gateway_keys_not_configured');
      assert.match(body.error.message, /GATEWAY_API_KEYS/);
      assert.equal(openai.chatCalls, 0);
      const health = (await (await fetch(`${worker.url}/health`)).json()) as { warnings?: string[] };
      assert.ok(
        health.warnings?.some((w) => w.includes('GATEWAY_API_KEYS')),
        JSON.stringify(health.warnings),
      );
    } finally {
      await worker.close();
    }
  });

  test('an invalid variable: every request, /health included, is an OpenAI-format 500 naming it, logged once', async () => {
    const worker = await startWorkerd(bundle, {
      env: { ...providerEnv(), GATEWAY_API_KEYS: GATEWAY_KEY, SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS: '50' },
    });
    try {
      for (const [path, init] of [
        ['/health', undefined],
        ['/v1/chat/completions', authed()],
        ['/v1/models', undefined],
      ] as const) {
        const response = await fetch(`${worker.url}${path}`, init);
        assert.equal(response.status, 500, path);
        const body = (await response.json()) as { error: { message: string; type: string; code: string } };
        assert.equal(body.error.type, 'server_error');
        assert.equal(body.error.code, 'configuration_error');
        assert.match(body.error.message, /SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS/);
      }
      await until('the error logged', async () => worker.logs.some((l) => l.includes('configuration_error')), 2000);
      assert.equal(worker.logs.filter((l) => l.includes('SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS')).length, 1);
    } finally {
      await worker.close();
    }
  });

  test('a bad SWITCHYARD_CONFIG_YAML (read in the global scope): every request a 500 naming it, logged once', async () => {
    const worker = await startWorkerd(bundle, {
      env: { ...providerEnv(), GATEWAY_API_KEYS: GATEWAY_KEY, SWITCHYARD_CONFIG_YAML: 'policy:\n  deadlineMs: soon\n' },
    });
    try {
      for (const [path, init] of [
        ['/health', undefined],
        ['/v1/chat/completions', authed()],
      ] as const) {
        const response = await fetch(`${worker.url}${path}`, init);
        assert.equal(response.status, 500, path);
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, 'configuration_error');
        assert.match(body.error.message, /SWITCHYARD_CONFIG_YAML: invalid configuration/);
        assert.match(body.error.message, /policy\.deadlineMs/);
      }
      await until('the error logged', async () => worker.logs.some((l) => l.includes('configuration_error')), 2000);
      assert.equal(worker.logs.filter((l) => l.includes('configuration_error')).length, 1);
    } finally {
      await worker.close();
    }
  });

  test('key checks: the first request starts them in waitUntil; a key OpenAI rejects is bad in /health and chat skips it', async () => {
    for (const mock of [openai, anthropic, gemini]) mock.reset();
    openai.rejectKeys(SECRET_KEYS.openai);
    const worker = await startWorkerd(bundle, { env: { ...providerEnv(), GATEWAY_API_KEYS: GATEWAY_KEY } });
    try {
      const keyOf = async (provider: string) => {
        const health = (await (await fetch(`${worker.url}/health`)).json()) as {
          providers: Array<{ name: string; keys?: Array<{ id: string; state: string; check?: string }> }>;
        };
        return health.providers.find((p) => p.name === provider)?.keys?.[0];
      };
      await until('openai#1 found bad', async () => (await keyOf('openai'))?.check === 'bad');
      assert.deepEqual(await keyOf('openai'), { id: 'openai#1', state: 'bad', check: 'bad' });
      assert.equal((await keyOf('anthropic'))?.check, 'ok');
      assert.equal(openai.listings.length, 1, 'checked once per isolate');
      const response = await fetch(`${worker.url}/v1/chat/completions`, authed());
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-switchyard-provider'), 'anthropic');
      assert.equal(openai.chatCalls, 0, 'OpenAI saw no chat request');
      assertNoSecrets(worker.logs.join('\n'), 'the Worker log');
    } finally {
      await worker.close();
      openai.reset();
    }
  });

  test('without the Durable Object binding: memory store and a warning in /health', async () => {
    const worker = await startWorkerd(bundle, {
      env: { ...providerEnv(), GATEWAY_API_KEYS: GATEWAY_KEY },
      durable: false,
    });
    try {
      const health = (await (await fetch(`${worker.url}/health`)).json()) as {
        store: { type: string };
        warnings?: string[];
      };
      assert.equal(health.store.type, 'memory');
      assert.ok(health.warnings?.some((w) => w.includes('SWITCHYARD_STATE')));
    } finally {
      await worker.close();
    }
  });

  test('the shared state survives the isolate being replaced (a new workerd on the same storage)', async () => {
    const persistDir = mkdtempSync(join(tmpdir(), 'switchyard-do-'));
    const env = { ...providerEnv(), GATEWAY_API_KEYS: GATEWAY_KEY, SWITCHYARD_ADMIN_KEY: ADMIN_KEY };
    try {
      const first = await startWorkerd(bundle, { env, persistDir });
      const drain = await fetch(`${first.url}/admin/providers/anthropic/drain`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      assert.equal(drain.status, 200);
      await first.close();
      const second = await startWorkerd(bundle, { env, persistDir });
      try {
        await until(
          'the new isolate reads anthropic drained',
          async () => (await stateOf((p) => fetch(`${second.url}${p}`), 'anthropic')) === 'drained',
        );
      } finally {
        await second.close();
      }
    } finally {
      rmSync(persistDir, { recursive: true, force: true });
    }
  });
});

/**
 * Every setting the README documents for Workers, set as a variable and seen to take effect: the Worker
 * builds its parts through the same function as Node (src/config/build-gateway-parts.ts).
 */
describe('Worker inside workerd: the documented settings take effect', { timeout: 90_000 }, () => {
  afterEach(() => {
    for (const mock of [openai, anthropic, gemini]) mock.reset();
  });

  test('SWITCHYARD_LOG_LEVEL and SWITCHYARD_ALERT_WEBHOOK_URL: the alert is posted, only error lines are logged', async () => {
    // The hook records the alert and answers 500, so the Worker logs an error-level webhook_failed line.
    const hook = await startHook(500);
    const worker = await startWorkerd(bundle, {
      env: {
        ...providerEnv(),
        GATEWAY_API_KEYS: GATEWAY_KEY,
        SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
        SWITCHYARD_LOG_LEVEL: 'error',
        SWITCHYARD_ALERT_WEBHOOK_URL: hook.url,
      },
    });
    try {
      const chat = await fetch(`${worker.url}/v1/chat/completions`, authed());
      assert.equal(chat.status, 200);
      await chat.arrayBuffer();
      const drain = await fetch(`${worker.url}/admin/providers/openai/drain`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      assert.equal(drain.status, 200);
      await until('the drain alert delivered to the webhook', async () => hook.bodies.length > 0, 5000);
      assert.equal((hook.bodies[0] as { event: string; provider: string }).event, 'drained');
      await until(
        'the failed delivery logged',
        async () => worker.logs.some((l) => l.includes('webhook_failed')),
        5000,
      );
      // Level error: the warn-level provider_drained and the info-level request lines are not written.
      assert.equal(worker.logs.filter((l) => l.includes('provider_drained')).length, 0);
      assert.equal(worker.logs.filter((l) => l.includes('"event":"request"')).length, 0);
    } finally {
      await worker.close();
      await hook.close();
    }
  });

  test('at the default level the same Worker logs its request and warn lines', async () => {
    const worker = await startWorkerd(bundle, {
      env: { ...providerEnv(), GATEWAY_API_KEYS: GATEWAY_KEY, SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
    });
    try {
      const chat = await fetch(`${worker.url}/v1/chat/completions`, authed());
      await chat.arrayBuffer();
      const drain = await fetch(`${worker.url}/admin/providers/openai/drain`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      assert.equal(drain.status, 200);
      await until('the request and drain lines', async () =>
        ['"event":"request"', 'provider_drained'].every((event) => worker.logs.some((l) => l.includes(event))),
      );
    } finally {
      await worker.close();
    }
  });

  test('SWITCHYARD_ALERT_WEBHOOK_FORMAT=slack and SWITCHYARD_CACHE_TTL_MS', async () => {
    const hook = await startHook(200);
    const worker = await startWorkerd(bundle, {
      env: {
        ...providerEnv(),
        GATEWAY_API_KEYS: GATEWAY_KEY,
        SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
        SWITCHYARD_ALERT_WEBHOOK_URL: hook.url,
        SWITCHYARD_ALERT_WEBHOOK_FORMAT: 'slack',
        SWITCHYARD_CACHE_TTL_MS: '60000',
      },
    });
    try {
      const first = await fetch(`${worker.url}/v1/chat/completions`, authed());
      assert.equal(first.headers.get('x-switchyard-cache'), 'miss');
      await first.arrayBuffer();
      const second = await fetch(`${worker.url}/v1/chat/completions`, authed());
      assert.equal(second.headers.get('x-switchyard-cache'), 'hit');
      const body = (await second.json()) as { choices: Array<{ message: { content: string } }> };
      assert.equal(body.choices[0]?.message.content, 'Hello from OpenAI.');
      assert.equal(openai.chatCalls, 1);

      const drain = await fetch(`${worker.url}/admin/providers/openai/drain`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      assert.equal(drain.status, 200);
      await until('the Slack message delivered', async () => hook.bodies.length > 0, 5000);
      const message = hook.bodies[0] as { text?: unknown; event?: unknown };
      assert.equal(typeof message.text, 'string');
      assert.match(message.text as string, /openai/);
      assert.equal(message.event, undefined, 'a Slack message, not the JSON alert');
    } finally {
      await worker.close();
      await hook.close();
    }
  });

  test('SWITCHYARD_ALLOW_LINK_LOCAL_URLS: a metadata base URL is refused, and allowed with the switch', async () => {
    // Only /health is asked: nothing is ever sent to the link-local address.
    const metadata = { ...providerEnv(), GATEWAY_API_KEYS: GATEWAY_KEY, GEMINI_BASE_URL: 'http://169.254.169.254' };
    const worker = await startWorkerd(bundle, {
      env: metadata,
      envB: { ...metadata, SWITCHYARD_ALLOW_LINK_LOCAL_URLS: 'true' },
      second: true,
    });
    try {
      const refused = await fetch(`${worker.url}/health`);
      assert.equal(refused.status, 500);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'configuration_error');
      assert.match(body.error.message, /GEMINI_BASE_URL/);
      const allowed = await worker.fetchB('/health');
      assert.equal(allowed.status, 200);
      await allowed.arrayBuffer();
    } finally {
      await worker.close();
    }
  });

  describe('the policy timeouts from the environment', () => {
    let worker: RunningWorkerd;
    before(async () => {
      worker = await startWorkerd(bundle, {
        env: {
          ...providerEnv(),
          GATEWAY_API_KEYS: GATEWAY_KEY,
          SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS: '3000',
          SWITCHYARD_NON_STREAMING_TIMEOUT_MS: '1000',
          SWITCHYARD_IDLE_TIMEOUT_MS: '600',
          SWITCHYARD_DEADLINE_MS: '5000',
        },
      });
    });
    after(async () => worker?.close());

    /** Sends a chat request; returns the answer's status, text, fallback reasons and the time it took. */
    async function timed(body: unknown) {
      const started = Date.now();
      const response = await fetch(`${worker.url}/v1/chat/completions`, authed(body));
      const text = await response.text();
      return {
        status: response.status,
        text,
        reasons: response.headers.get('x-switchyard-fallback-reason') ?? '',
        ms: Date.now() - started,
      };
    }

    test('SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS: a stream without a first token is abandoned after 3 s', async () => {
      openai.failNext({ kind: 'hang' });
      const answer = await timed({ ...CHAT, stream: true });
      assert.equal(answer.status, 200);
      assert.match(answer.reasons, /openai:first_token_timeout/);
      // The abandoned attempt is retried (timeouts are), and the retry streams the whole answer.
      assert.match(answer.text, /data: \[DONE\]/);
      assert.ok(answer.ms >= 2900 && answer.ms < 10_000, `${answer.ms} ms`);
    });

    test('SWITCHYARD_NON_STREAMING_TIMEOUT_MS: a JSON call that does not answer is abandoned after 1 s', async () => {
      openai.failNext({ kind: 'hang' });
      const answer = await timed(CHAT);
      assert.equal(answer.status, 200);
      assert.match(answer.reasons, /openai:non_streaming_timeout/);
      assert.ok(answer.ms >= 900 && answer.ms < 2900, `${answer.ms} ms: under the first-token timeout`);
    });

    test('SWITCHYARD_IDLE_TIMEOUT_MS: a stream silent for longer after its first token ends in idle_timeout', async () => {
      openai.script = { text: ['one', ' two', ' three'] };
      // The first token at 1.2 s (inside the first-token timeout), then a 1.2 s gap: over the 600 ms idle limit.
      openai.timing = { firstByteDelayMs: 0, chunkDelayMs: 1200 };
      const answer = await timed({ ...CHAT, stream: true });
      assert.equal(answer.status, 200);
      assert.match(answer.text, /"content":"one"/);
      assert.match(answer.text, /"code":"idle_timeout"/);
      assert.doesNotMatch(answer.text, /\[DONE\]/);
    });

    test('SWITCHYARD_DEADLINE_MS: with every provider hanging, the gateway gives up at the 5 s deadline', async () => {
      for (const mock of [openai, anthropic, gemini]) mock.failAlways({ kind: 'hang' });
      const answer = await timed(CHAT);
      assert.equal(answer.status, 504);
      assert.match(answer.text, /upstream_timeout/);
      // The default deadline (120 s) would let every provider's own timeouts run: well over 10 s here.
      assert.ok(answer.ms >= 4500 && answer.ms < 10_000, `${answer.ms} ms`);
    });
  });
});

/** A loopback webhook that records every body and answers with `status`. */
async function startHook(status: number): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(raw));
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
