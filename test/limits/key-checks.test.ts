/**
 * The key checks piece by piece: each provider's check against its loopback mock (the call its SDK makes,
 * what a rejected key looks like there, what cannot tell), the pool skipping a key found bad, a request held
 * while its key is checked, a bad key checked again later, and the `--check` table.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { freePort } from '../../bench/lib/ports.ts';
import { startAnthropicMock } from '../../mocks/anthropic-mock.ts';
import { startGeminiMock } from '../../mocks/gemini-mock.ts';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { startOpenAIMock } from '../../mocks/openai-mock.ts';
import { anthropicKeyCheck } from '../../providers/anthropic/check-key.ts';
import { geminiKeyCheck } from '../../providers/gemini/check-key.ts';
import { createOpenAIProvider } from '../../providers/openai/index.ts';
import type { KeyCheckResult, Provider } from '../../providers/types.ts';
import { systemClock } from '../../src/clock.ts';
import { checkKeys, formatKeyChecks, RECHECK_MS, recheckBadKeys } from '../../src/limits/check-keys.ts';
import { KeyCheckBoard } from '../../src/limits/key-checks.ts';
import { KeyPool } from '../../src/limits/key-pool.ts';
import { SECRET_KEYS } from '../helpers/harness.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { createMemoryLogger } from '../support/memory-logger.ts';

const signal = () => AbortSignal.timeout(2000);

describe("each provider's key check against its mock", () => {
  let openai: MockUpstream;
  let anthropic: MockUpstream;
  let gemini: MockUpstream;
  before(async () => {
    [openai, anthropic, gemini] = await Promise.all([startOpenAIMock(), startAnthropicMock(), startGeminiMock()]);
  });
  after(() => Promise.all([openai, anthropic, gemini].map((mock) => mock.close())));
  beforeEach(() => {
    for (const mock of [openai, anthropic, gemini]) mock.reset();
  });

  const checks = () => ({
    openai: createOpenAIProvider({ apiKey: SECRET_KEYS.openai, baseURL: `${openai.url}/v1` }).checkKey!,
    anthropic: anthropicKeyCheck({ apiKey: SECRET_KEYS.anthropic, baseURL: anthropic.url }),
    gemini: geminiKeyCheck({ apiKey: SECRET_KEYS.gemini, baseURL: gemini.url }),
  });

  test('an accepted key: ok, from one model listing sent where the SDK sends it', async () => {
    const { openai: o, anthropic: a, gemini: g } = checks();
    assert.deepEqual(await o(signal()), { state: 'ok', status: 200, reason: 'http_200' });
    assert.deepEqual(await a(signal()), { state: 'ok', status: 200, reason: 'http_200' });
    assert.deepEqual(await g(signal()), { state: 'ok', status: 200, reason: 'http_200' });
    assert.equal(openai.listings[0]?.path, '/v1/models');
    assert.equal(openai.listings[0]?.headers.authorization, `Bearer ${SECRET_KEYS.openai}`);
    assert.equal(anthropic.listings[0]?.path, '/v1/models?limit=1');
    assert.equal(anthropic.listings[0]?.headers['anthropic-version'], '2026-10-21');
    assert.equal(gemini.listings[0]?.path, '/v1beta/models?pageSize=1');
    assert.equal(gemini.listings[0]?.headers['x-goog-api-key'], SECRET_KEYS.gemini);
    assert.ok(!gemini.listings[0]?.path.includes(SECRET_KEYS.gemini), 'the key never goes in the URL');
    for (const mock of [openai, anthropic, gemini]) assert.equal(mock.chatCalls, 0);
  });

  test("a rejected key: bad, named by the provider's own code (Gemini's is a 400), never quoting the key", async () => {
    openai.rejectKeys(SECRET_KEYS.openai);
    anthropic.rejectKeys(SECRET_KEYS.anthropic);
    gemini.rejectKeys(SECRET_KEYS.gemini);
    const { openai: o, anthropic: a, gemini: g } = checks();
    assert.deepEqual(await o(signal()), { state: 'bad', status: 401, reason: 'http_401 invalid_api_key' });
    assert.deepEqual(await a(signal()), { state: 'bad', status: 401, reason: 'http_401 authentication_error' });
    assert.deepEqual(await g(signal()), { state: 'bad', status: 400, reason: 'http_400 API_KEY_INVALID' });
  });

  test('what says nothing about the key: unverified (a server error, another 400, no answer, no server, no listing)', async () => {
    const { openai: o, gemini: g } = checks();
    openai.failListing({ kind: 'status', status: 500, body: { error: { message: 'x', type: 'server_error' } } });
    assert.deepEqual(await o(signal()), { state: 'unverified', status: 500, reason: 'http_500' });
    gemini.failListing({
      kind: 'status',
      status: 400,
      body: { error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' } },
    });
    assert.deepEqual(await g(signal()), { state: 'unverified', status: 400, reason: 'http_400 INVALID_ARGUMENT' });
    openai.failListing({ kind: 'hang' });
    assert.deepEqual(await o(AbortSignal.timeout(100)), { state: 'unverified', reason: 'timeout' });
    const nowhere = createOpenAIProvider({ apiKey: 'sk-x', baseURL: `http://127.0.0.1:${await freePort()}/v1` });
    assert.deepEqual(await nowhere.checkKey!(signal()), { state: 'unverified', reason: 'network' });
    const compatible = createOpenAIProvider({ apiKey: 'sk-x', baseURL: `${openai.url}/compat/v1` });
    assert.equal((await compatible.checkKey!(signal())).state, 'unverified', 'a server without /models');
  });
});

/** A provider whose check answers what the test says, when the test says. */
function scripted(results: KeyCheckResult[]): Provider & { calls: number; release: () => void } {
  let release = () => {};
  const provider = {
    name: 'openai',
    defaultModel: 'gpt-4o-mini',
    calls: 0,
    release: () => release(),
    chat: () => Promise.reject(new Error('no chat here')),
    checkKey: () => {
      provider.calls++;
      const result = results.shift() ?? { state: 'ok', reason: 'http_200' };
      return new Promise<KeyCheckResult>((resolve) => {
        release = () => resolve(result);
      });
    },
  };
  return provider as Provider & { calls: number; release: () => void };
}

describe('key pool and board', () => {
  test('a key found bad is skipped; the other key of the pool serves; /health-style status shows both', async () => {
    const bad = scripted([{ state: 'bad', status: 401, reason: 'http_401 invalid_api_key' }]);
    const good = scripted([{ state: 'ok', status: 200, reason: 'http_200' }]);
    const board = new KeyCheckBoard();
    const pool = new KeyPool(
      'openai',
      [
        { id: 'openai#1', provider: bad },
        { id: 'openai#2', provider: good },
      ],
      systemClock,
      board,
    );
    const logger = createMemoryLogger();
    const run = checkKeys(new Map([['openai', pool]]), { board, timeoutMs: 1000, clock: systemClock, logger });
    assert.equal(pool.status()[0]?.check?.state, 'pending');
    bad.release();
    good.release();
    const reports = await run;
    assert.deepEqual(
      reports.map((r) => [r.id, r.state]),
      [
        ['openai#1', 'bad'],
        ['openai#2', 'ok'],
      ],
    );
    for (let i = 0; i < 4; i++) assert.equal(pool.next()?.id, 'openai#2');
    assert.equal(pool.stateOf('openai#1'), 'bad');
    assert.equal(logger.lines.filter((line) => line.event === 'key_rejected' && line.alert === true).length, 1);
  });

  test('a request that picks a key under check waits for it, then takes another key if it was bad', async () => {
    const bad = scripted([{ state: 'bad', status: 401, reason: 'http_401' }]);
    const good = scripted([]);
    const board = new KeyCheckBoard();
    const pool = new KeyPool(
      'openai',
      [
        { id: 'openai#1', provider: bad },
        { id: 'openai#2', provider: good },
      ],
      systemClock,
      board,
    );
    const pools = new Map([['openai', pool]]);
    void checkKeys(pools, { board, timeoutMs: 5000, clock: systemClock, logger: createMemoryLogger(), holdMs: 5000 });
    assert.equal(pool.checking, true);
    let picked: string | undefined;
    const waiting = pool.nextChecked().then((key) => (picked = key?.id));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(picked, undefined, 'held while openai#1 is checked');
    bad.release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    good.release();
    await waiting;
    assert.equal(picked, 'openai#2');
  });

  test('a hold is bounded: past holdMs the request goes on with the key still unchecked', async () => {
    const slow = scripted([]);
    const clock = new ManualClock();
    const board = new KeyCheckBoard();
    const pool = new KeyPool('openai', [{ id: 'openai#1', provider: slow }], clock, board);
    void checkKeys(new Map([['openai', pool]]), {
      board,
      timeoutMs: 5000,
      clock,
      logger: createMemoryLogger(),
      holdMs: 1000,
    });
    const waiting = pool.nextChecked();
    clock.advance(1000);
    assert.equal((await waiting)?.id, 'openai#1');
    assert.equal(pool.checking, false);
  });

  test('a bad key is checked again after RECHECK_MS and comes back when it passes', async () => {
    const provider = scripted([
      { state: 'bad', status: 401, reason: 'http_401' },
      { state: 'ok', status: 200, reason: 'http_200' },
    ]);
    const clock = new ManualClock();
    const board = new KeyCheckBoard();
    const pool = new KeyPool('openai', [{ id: 'openai#1', provider }], clock, board);
    const pools = new Map([['openai', pool]]);
    const options = { board, timeoutMs: 5000, clock, logger: createMemoryLogger() };
    const first = checkKeys(pools, options);
    provider.release();
    await first;
    assert.equal(pool.usable(), false);
    assert.deepEqual(await recheckBadKeys(pools, options), [], 'not yet due');
    clock.advance(RECHECK_MS + 1);
    const again = recheckBadKeys(pools, options);
    assert.equal(pool.stateOf('openai#1'), 'bad', 'still out while it is checked again');
    provider.release();
    await again;
    assert.equal(provider.calls, 2);
    assert.equal(pool.next()?.id, 'openai#1');
  });
});

describe('the --check table', () => {
  test('one line per key, a summary, and failure when a key is bad', () => {
    const { text, failed } = formatKeyChecks([
      { id: 'openai#1', provider: 'openai', state: 'bad', reason: 'http_401 invalid_api_key', ms: 81 },
      { id: 'anthropic#1', provider: 'anthropic', state: 'unverified', reason: 'timeout', ms: 5000 },
    ]);
    assert.equal(failed, true);
    assert.equal(
      text,
      [
        'key          result      reason                    ms',
        'openai#1     bad         http_401 invalid_api_key  81',
        'anthropic#1  unverified  timeout                   5000',
        '',
        '2 keys checked: 1 bad, 1 unverified',
      ].join('\n'),
    );
    assert.equal(formatKeyChecks([]).failed, false);
  });
});
