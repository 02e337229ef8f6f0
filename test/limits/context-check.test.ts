/**
 * Requests that cannot fit the target's context window are answered before anything is sent: a 400
 * `context_length_exceeded` naming the sizes, or the route's `contextFallback`; the provider sees nothing and
 * its health hears nothing. Against the loopback mocks, through a real port.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Outcome } from '../../src/health/types.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { createTestHealth } from '../helpers/test-health.ts';

const WORDS = [
  'gateway',
  'provider',
  'failover',
  'budget',
  'token',
  'window',
  'stream',
  'request',
  'latency',
  'health',
  'retry',
  'answer',
  'the',
  'of',
  'and',
  'every',
  'model',
  'key',
];

/** Prose of about `tokens` o200k tokens (one token per word and punctuation mark, give or take). */
function prose(tokens: number): string {
  const out: string[] = [];
  for (let i = 0; i < tokens; i++) out.push(i % 17 === 16 ? '.\n' : ` ${WORDS[(i * 7) % WORDS.length]}`);
  return out.join('');
}

const CONFIG = `
routes:
  small:
    targets: ["openai:gpt-4o-mini"]
    contextFallback: big
  big:
    targets: ["openai:gpt-4.1-mini"]
  claude:
    targets: ["anthropic:claude-sonnet-4-5"]
models:
  tiny-model: { contextWindow: 1000 }
`;

async function chat(h: Harness, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('context check before sending', () => {
  let h: Harness;
  const outcomes: Outcome[] = [];
  const long = prose(150_000);

  before(async () => {
    const health = createTestHealth();
    const record = health.record.bind(health);
    health.record = (outcome: Outcome) => {
      outcomes.push(outcome);
      record(outcome);
    };
    h = await startHarness({ configText: CONFIG, health });
  });
  after(() => h.close());
  beforeEach(async () => {
    await h.reset();
    outcomes.length = 0;
  });

  test('~150k tokens for gpt-4o-mini (128k): 400 context_length_exceeded, no upstream call', async () => {
    const response = await chat(h, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: long }] });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-should-retry'), 'false');
    const body = (await response.json()) as { error: { code: string; type: string; param: string; message: string } };
    assert.equal(body.error.code, 'context_length_exceeded');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.param, 'messages');
    assert.match(body.error.message, /maximum context length is 128000 tokens/);
    const counted = Number(/resulted in (\d+) tokens/.exec(body.error.message)?.[1]);
    assert.ok(counted > 140_000 && counted < 160_000, body.error.message);
    for (const mock of h.mocks) assert.equal(mock.chatCalls, 0, `${mock.wire.name} was called`);
    assert.deepEqual(outcomes, [], 'a refusal before sending is no outcome of any provider');
  });

  test('the requested output counts: a prompt that fits alone, with max_tokens that does not', async () => {
    const response = await chat(h, {
      model: 'gpt-4o-mini',
      max_tokens: 16_000,
      messages: [{ role: 'user', content: prose(120_000) }],
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { message: string } };
    assert.match(body.error.message, /in the messages, 16000 in the completion/);
    assert.equal(h.openai.chatCalls, 0);
  });

  test("a route's contextFallback serves what its own target cannot fit, with the reason in the headers", async () => {
    const response = await chat(h, { model: 'small', messages: [{ role: 'user', content: long }] });
    assert.equal(response.status, 200);
    assert.equal(h.openai.chatCalls, 1);
    assert.equal((h.openai.requests[0]?.body as { model?: string } | undefined)?.model, 'gpt-4.1-mini');
    assert.equal(response.headers.get('x-switchyard-model'), 'gpt-4.1-mini');
    assert.match(
      response.headers.get('x-switchyard-fallback-reason') ?? '',
      /openai:context_length.*context_fallback:big/,
    );
    assert.ok(
      outcomes.every((outcome) => outcome.ok),
      'only the served attempt is an outcome',
    );
  });

  test('a prompt that fits is sent as usual', async () => {
    const response = await chat(h, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prose(100_000) }] });
    assert.equal(response.status, 200);
    assert.equal(h.openai.chatCalls, 1);
  });

  test('Claude is estimated, so only a clear overflow is refused', async () => {
    // ~185k o200k tokens ≈ 224k Claude tokens: more than 200k by more than the 10 % margin.
    const refused = await chat(h, { model: 'claude', messages: [{ role: 'user', content: prose(185_000) }] });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /estimated/);
    // ~150k o200k ≈ 182k Claude tokens + the 8192 default max_tokens: within the window, sent.
    const sent = await chat(h, { model: 'claude', messages: [{ role: 'user', content: long }] });
    assert.equal(sent.status, 200);
    assert.equal(h.anthropic.chatCalls, 1);
  });

  test('the config file overrides the table by model prefix', async () => {
    const response = await chat(h, { model: 'tiny-model', messages: [{ role: 'user', content: prose(2000) }] });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /1000 tokens/);
    assert.equal(h.openai.chatCalls, 0);
  });
});

describe('context check turned off', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { SWITCHYARD_CONTEXT_CHECK: 'off' } });
  });
  after(() => h.close());

  test('SWITCHYARD_CONTEXT_CHECK=off sends the request and leaves the answer to the provider', async () => {
    const response = await chat(h, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prose(150_000) }] });
    assert.equal(response.status, 200);
    assert.equal(h.openai.chatCalls, 1);
  });
});
