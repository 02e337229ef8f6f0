/**
 * GET /metrics as Prometheus scrapes it: behind the admin key, counting what the gateway really did (served,
 * retried, failed over, tripped) from its events, with bounded label values, no secrets, and every series
 * documented in src/telemetry/metrics/README.md.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import { openaiFaults } from '../../mocks/openai-mock.ts';
import { ADMIN_KEY, assertNoSecrets, eventually, type Harness, startHarness } from '../helpers/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ telemetry: true, random: () => 0.5 });
});
after(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.reset();
});

async function chat(model = 'gpt-4o-mini'): Promise<Response> {
  const response = await fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  await response.text();
  return response;
}

async function scrape(): Promise<string> {
  const response = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample, by metric name and an exact label subset; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const body = line.slice(name.length);
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('/metrics', () => {
  test('needs the admin key', async () => {
    assert.equal((await fetch(`${h.url}/metrics`)).status, 401);
    const wrong = await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer not-the-admin-key-at-all' } });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.code, 'invalid_admin_key');
  });

  test("counts served requests, attempts, retries, failovers and GenAI durations from the gateway's events", async () => {
    const before = await scrape();
    const served = (t: string) =>
      sample(t, 'switchyard_requests_total', { route: 'gpt-4o-mini', status: '200', provider: 'openai' }) ?? 0;
    assert.equal((await chat()).status, 200);
    h.openai.failAlways(openaiFaults.serverError());
    const failedOver = await chat();
    assert.equal(failedOver.status, 200);
    const servedBy = failedOver.headers.get('x-switchyard-provider');
    assert.ok(servedBy && servedBy !== 'openai', 'served elsewhere');
    const text = await scrape();
    assert.equal(served(text) - served(before), 1);
    assert.ok((sample(text, 'switchyard_requests_total', { status: '200', provider: servedBy }) ?? 0) >= 1);
    assert.ok(
      (sample(text, 'switchyard_attempts_total', { provider: 'openai', outcome: 'server', status_class: '5xx' }) ??
        0) >= 1,
    );
    assert.ok(
      (sample(text, 'switchyard_failovers_total', { from: 'openai', to: servedBy, reason: 'server_500' }) ?? 0) >= 1,
    );
    assert.ok(
      (sample(text, 'switchyard_retries_total', { provider: 'openai' }) ?? 0) >= 1,
      'the 500 was retried once before failing over',
    );
    assert.ok(
      (sample(text, 'gen_ai_client_operation_duration_seconds_count', {
        gen_ai_operation_name: 'chat',
        gen_ai_provider_name: servedBy,
        gen_ai_request_model: 'gpt-4o-mini',
      }) ?? 0) >= 1,
    );
    assert.ok(
      (sample(text, 'gen_ai_client_token_usage_count', {
        gen_ai_token_type: 'input',
        gen_ai_provider_name: servedBy,
      }) ?? 0) >= 1,
    );
    assert.ok(
      (sample(text, 'gen_ai_server_time_to_first_token_seconds_count', { gen_ai_provider_name: servedBy }) ?? 0) >= 1,
    );
    assert.ok((sample(text, 'switchyard_gateway_overhead_seconds_count', {}) ?? 0) >= 2);
    assert.equal(sample(text, 'switchyard_health_signal_threshold', { signal: 'error_rate', window: 'short' }), 0.05);
    assert.equal(
      sample(text, 'switchyard_health_signal_threshold', { signal: 'p99_latency_seconds', window: 'long' }),
      30,
    );
    assert.equal(sample(text, 'switchyard_health_store_up', { store: 'memory' }), 1);
    assert.equal(sample(text, 'switchyard_key_state', { provider: 'openai', key: 'openai#1', state: 'ok' }), 1);
    assertNoSecrets(text, '/metrics');
  });

  test("counts the response cache's hits and misses, and shows the health store's round trip", async () => {
    const before = await scrape();
    const count = (t: string, result: string) => sample(t, 'switchyard_cache_requests_total', { result }) ?? 0;
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `cache me ${Date.now()}` }],
    });
    const ask = async () => {
      const response = await fetch(`${h.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchyard-cache-ttl': '60' },
        body,
      });
      await response.text();
      return response.headers.get('x-switchyard-cache');
    };
    assert.equal(await ask(), 'miss');
    assert.equal(await ask(), 'hit');
    // A request the cache is off for is not counted at all.
    assert.equal((await chat()).headers.get('x-switchyard-cache'), null);
    const text = await scrape();
    assert.equal(count(text, 'miss') - count(before, 'miss'), 1);
    assert.equal(count(text, 'hit') - count(before, 'hit'), 1);
    assert.equal(count(text, 'bypass') - count(before, 'bypass'), 0);
    // The memory store answers in well under a millisecond; the gauge appears after the first background sync.
    let synced: number | undefined;
    await eventually(
      () => synced !== undefined,
      3000,
      'a health store sync',
      async () => {
        synced = sample(await scrape(), 'switchyard_health_store_sync_seconds', { store: 'memory' });
      },
    );
    assert.ok(synced! >= 0 && synced! < 1, `sync took ${synced} s`);
  });

  test('shows a tripped provider, its score and the signal that is over its threshold', async () => {
    h.openai.failAlways(openaiFaults.serverError());
    let text = '';
    await eventually(
      () => sample(text, 'switchyard_provider_state', { provider: 'openai', state: 'tripped' }) === 1,
      8000,
      'openai tripped in /metrics',
      async () => {
        await chat();
        text = await scrape();
      },
    );
    assert.equal(sample(text, 'switchyard_provider_state', { provider: 'openai', state: 'healthy' }), 0);
    assert.ok((sample(text, 'switchyard_provider_score', { provider: 'openai' }) ?? 1) < 1);
    assert.ok(
      (sample(text, 'switchyard_health_signal_value', { provider: 'openai', signal: 'error_rate', window: 'short' }) ??
        0) > 0.05,
    );
    assert.ok((sample(text, 'switchyard_retries_exhausted_total', { provider: 'openai' }) ?? 0) >= 1);
  });

  test('client-chosen model names are bounded: a flood of distinct names ends in "other"', async () => {
    for (let i = 0; i < 60; i++) await chat(`made-up-model-${i}-${'x'.repeat(80)}`);
    const text = await scrape();
    const models = new Set([...text.matchAll(/gen_ai_request_model="([^"]*)"/g)].map((m) => m[1]));
    assert.ok(models.has('other'), 'overflow goes to other');
    assert.ok(models.size <= 50 + 2 + 1, `bounded label set, got ${models.size}`);
    for (const model of models) assert.ok(model!.length <= 64, 'values cut to 64 characters');
  });

  test('every series is listed in the telemetry README table', async () => {
    const readme = readFileSync(new URL('../../src/telemetry/metrics/README.md', import.meta.url), 'utf8');
    const names = [...(await scrape()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    assert.ok(names.length >= 15);
    for (const name of names) assert.ok(readme.includes(`| \`${name}\``), `${name} is missing from the README table`);
  });
});

describe('/admin/dashboard.json', () => {
  test("needs the admin key and tells the page each provider's signals against thresholds, activity and keys", async () => {
    assert.equal((await fetch(`${h.url}/admin/dashboard.json`)).status, 401);
    assert.equal((await chat()).status, 200);
    let data:
      | {
          providers: Array<{
            provider: string;
            state: string;
            signals: Array<{ signal: string; threshold: number | null; window: string }>;
            activity: { served: number; share: number };
            keys: Array<{ id: string; state: string }>;
          }>;
        }
      | undefined;
    await eventually(
      () => (data?.providers.find((p) => p.provider === 'openai')?.signals.length ?? 0) > 0,
      3000,
      'health report in the dashboard data',
      async () => {
        const response = await fetch(`${h.url}/admin/dashboard.json`, {
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        });
        assert.equal(response.status, 200);
        const text = await response.text();
        assertNoSecrets(text, '/admin/dashboard.json');
        data = JSON.parse(text) as typeof data;
      },
    );
    const openai = data!.providers.find((p) => p.provider === 'openai')!;
    assert.deepEqual(
      openai.signals.map((s) => [s.signal, s.threshold, s.window]),
      [
        ['error_rate', 0.05, 'short'],
        ['rate_limit_rate', 0.1, 'short'],
        ['server_error_rate', 0.02, 'long'],
        ['retry_exhaustion_rate', 0.01, 'long'],
        ['p99_latency', 30000, 'long'],
      ],
    );
    assert.ok(openai.activity.served >= 1);
    assert.deepEqual(openai.keys, [{ id: 'openai#1', state: 'ok' }]);
  });
});

describe('/metrics without an admin key', () => {
  test('is not served at all', async () => {
    const plain = await startHarness({ shareMocksWith: h });
    try {
      assert.equal((await fetch(`${plain.url}/metrics`)).status, 404);
      assert.equal((await fetch(`${plain.url}/dashboard`)).status, 404);
    } finally {
      await plain.close();
    }
  });
});
