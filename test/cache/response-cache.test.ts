/**
 * The response cache as a client sees it, through a real gateway port in front of the loopback mocks and with
 * the `openai` SDK: hits, misses and bypasses, the same entry for JSON and streams, what is never stored,
 * tenants kept apart, and identical concurrent requests coalesced into one upstream call.
 */

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
import { openaiFaults } from '../../mocks/openai-mock.ts';
import { assertNoSecrets, eventually, type Harness, startHarness } from '../helpers/harness.ts';

const CONFIG = `
cache: { ttlMs: 60000 }
routes:
  only-openai: [openai:gpt-4o-mini]
  uncached:
    targets: [openai:gpt-4o-mini]
    cache: false
`;

let h: Harness;
let client: OpenAI;
let counter = 0;
/** A prompt no other test has used, so each test starts from an empty cache. */
const fresh = (label: string) => `${label} #${++counter} ${Date.now()}`;

before(async () => {
  h = await startHarness({ configText: CONFIG, random: () => 0 });
  client = new OpenAI({ apiKey: 'open-gateway', baseURL: h.baseURL, maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => h.reset());

async function post(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return await fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('response cache', () => {
  test('two identical requests make one upstream call and get the same answer', async () => {
    const messages = [{ role: 'user' as const, content: fresh('hello') }];
    const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    assert.equal(h.openai.chatCalls, 1);
    assert.equal(first.response.headers.get('x-switchyard-cache'), 'miss');
    assert.equal(second.response.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(second.response.headers.get('age'), '0');
    assert.equal(second.response.headers.get('x-switchyard-provider'), 'openai');
    assert.equal(second.response.headers.get('x-switchyard-attempts'), '0');
    assert.notEqual(second.response.headers.get('x-request-id'), first.response.headers.get('x-request-id'));
    assert.deepEqual(second.data, first.data);
    assert.equal(second.data.choices[0]?.message.content, 'Hello from OpenAI.');
    assert.ok(
      h.logs.some((line) => line.event === 'request' && line.cache === 'hit'),
      'a hit is logged as one',
    );
  });

  test('a streaming request after a JSON one gets the cached answer as a valid stream', async () => {
    const messages = [{ role: 'user' as const, content: fresh('stream after json') }];
    const json = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages, temperature: 0, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(h.openai.chatCalls, 1);
    assert.equal(response.headers.get('x-switchyard-cache'), 'hit');
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(new Set(chunks.map((chunk) => chunk.id)).size, 1, 'one id');
    assert.equal(chunks[0]?.id, json.id);
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant', 'role first');
    assert.equal(
      chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''),
      json.choices[0]?.message.content,
    );
    const finish = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    assert.equal(finish.length, 1);
    assert.equal(finish[0]?.choices[0]?.finish_reason, 'stop');
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, [], 'usage chunk last');
    assert.deepEqual(last.usage, json.usage);
    assert.ok(
      chunks.slice(0, -1).every((chunk) => chunk.usage === null),
      'other chunks carry usage: null',
    );

    // Without include_usage: no usage chunk.
    const plain = await post({ model: 'gpt-4o-mini', messages, temperature: 0, stream: true });
    const text = await plain.text();
    assert.equal(plain.headers.get('x-switchyard-cache'), 'hit');
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    assert.ok(!text.includes('"usage"'));
  });

  test('tool calls replay as deltas with their index, and a stream-recorded answer serves JSON', async () => {
    h.openai.script = {
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris' } },
        { name: 'get_time', arguments: { tz: 'CET' } },
      ],
      usage: { input: 20, output: 9 },
    };
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = ['get_weather', 'get_time'].map((name) => ({
      type: 'function',
      function: { name, parameters: { type: 'object', properties: {} } },
    }));
    const messages = [{ role: 'user' as const, content: fresh('tools') }];
    const live = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      tools,
      stream: true,
      stream_options: { include_usage: true },
    });
    const liveChunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of live) liveChunks.push(chunk);
    await eventually(() => h.logs.some((line) => line.event === 'request'), 2000, 'the stream to finish');
    const json = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools }).withResponse();
    assert.equal(json.response.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(h.openai.chatCalls, 1);
    const calls = json.data.choices[0]?.message.tool_calls ?? [];
    assert.deepEqual(
      calls.map((call) => call.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)]),
      [
        ['get_weather', { city: 'Paris' }],
        ['get_time', { tz: 'CET' }],
      ],
    );
    assert.equal(json.data.choices[0]?.finish_reason, 'tool_calls');

    const replayed = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools, stream: true });
    const byIndex = new Map<number, { id?: string; name: string; args: string }>();
    for await (const chunk of replayed) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        const entry = byIndex.get(call.index) ?? { name: '', args: '' };
        if (call.id) entry.id = call.id;
        entry.name += call.function?.name ?? '';
        entry.args += call.function?.arguments ?? '';
        byIndex.set(call.index, entry);
      }
    }
    assert.deepEqual([...byIndex.keys()], [0, 1]);
    assert.deepEqual(
      [...byIndex.values()].map((call) => [call.id, call.name, JSON.parse(call.args)]),
      calls.map(
        (call) => call.type === 'function' && [call.id, call.function.name, JSON.parse(call.function.arguments)],
      ),
    );
  });

  test('a different parameter is a miss; stream, stream_options, user and metadata are not part of the key', async () => {
    const messages = [{ role: 'user', content: fresh('params') }];
    await (await post({ model: 'gpt-4o-mini', messages, temperature: 0.2 })).text();
    const other = await post({ model: 'gpt-4o-mini', messages, temperature: 0.3 });
    await other.text();
    assert.equal(other.headers.get('x-switchyard-cache'), 'miss');
    assert.equal(h.openai.chatCalls, 2);
    const same = await post({
      temperature: 0.2,
      user: 'someone',
      metadata: { a: '1' },
      messages,
      model: 'gpt-4o-mini',
    });
    await same.text();
    assert.equal(same.headers.get('x-switchyard-cache'), 'hit', 'field order, user and metadata do not matter');
    const seeded = await post({ model: 'gpt-4o-mini', messages, temperature: 0.2, seed: 7 });
    await seeded.text();
    assert.equal(seeded.headers.get('x-switchyard-cache'), 'miss', 'seed matters');
    assert.equal(h.openai.chatCalls, 3);
  });

  test('cache-control no-cache skips the lookup and no-store skips storing', async () => {
    const messages = [{ role: 'user', content: fresh('directives') }];
    const stored = await post({ model: 'gpt-4o-mini', messages }, { 'cache-control': 'no-store' });
    await stored.text();
    assert.equal(stored.headers.get('x-switchyard-cache'), 'miss');
    const next = await post({ model: 'gpt-4o-mini', messages });
    await next.text();
    assert.equal(next.headers.get('x-switchyard-cache'), 'miss', 'no-store stored nothing');
    assert.equal(h.openai.chatCalls, 2);
    const fresher = await post({ model: 'gpt-4o-mini', messages }, { 'cache-control': 'no-cache' });
    await fresher.text();
    assert.equal(fresher.headers.get('x-switchyard-cache'), 'bypass');
    assert.equal(h.openai.chatCalls, 3, 'no-cache went upstream despite the entry');
    const both = await post({ model: 'gpt-4o-mini', messages }, { 'cache-control': 'no-cache, no-store' });
    await both.text();
    assert.equal(both.headers.get('x-switchyard-cache'), 'bypass');
    assert.equal(h.openai.chatCalls, 4);
    const hit = await post({ model: 'gpt-4o-mini', messages });
    await hit.text();
    assert.equal(hit.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(h.openai.chatCalls, 4);
  });

  test('an upstream error is not stored, and a stream cut after it started is not stored', async () => {
    const messages = [{ role: 'user', content: fresh('errors') }];
    h.openai.failNext(openaiFaults.badParam('temperature'));
    const failed = await post({ model: 'only-openai', messages });
    assert.equal(failed.status, 400);
    await failed.text();
    const after400 = await post({ model: 'only-openai', messages });
    assert.equal(after400.status, 200);
    await after400.text();
    assert.equal(after400.headers.get('x-switchyard-cache'), 'miss');
    assert.equal(h.openai.chatCalls, 2);

    const streamMessages = [{ role: 'user', content: fresh('cut stream') }];
    // Paced, so that both breaks come after the streaming commit point (earlier ones are retried invisibly).
    h.openai.timing = { firstByteDelayMs: 0, chunkDelayMs: 20 };
    h.openai.failNext({ kind: 'cut', afterEvents: 3 });
    const cut = await post({ model: 'only-openai', messages: streamMessages, stream: true });
    const cutText = await cut.text();
    assert.match(cutText, /"error"/, 'the client saw the break');
    assert.ok(!cutText.includes('[DONE]'));
    h.openai.failNext(openaiFaults.streamServerError(3));
    const broken = await post({ model: 'only-openai', messages: streamMessages, stream: true });
    assert.match(await broken.text(), /"error"/);
    h.openai.timing = { firstByteDelayMs: 0, chunkDelayMs: 0 };
    const afterCut = await post({ model: 'only-openai', messages: streamMessages });
    const body = (await afterCut.json()) as OpenAI.Chat.Completions.ChatCompletion;
    assert.equal(afterCut.headers.get('x-switchyard-cache'), 'miss', 'neither broken stream was stored');
    assert.equal(body.choices[0]?.message.content, 'Hello from OpenAI.');
    assert.equal(h.openai.chatCalls, 5);
  });

  test('a request to a route with the cache off has no cache header; x-switchyard-cache-ttl turns it on', async () => {
    const messages = [{ role: 'user', content: fresh('route off') }];
    const off = await post({ model: 'uncached', messages });
    await off.text();
    assert.equal(off.headers.get('x-switchyard-cache'), null);
    const on = await post({ model: 'uncached', messages }, { 'x-switchyard-cache-ttl': '30' });
    await on.text();
    const hit = await post({ model: 'uncached', messages }, { 'x-switchyard-cache-ttl': '30' });
    await hit.text();
    assert.equal(on.headers.get('x-switchyard-cache'), 'miss');
    assert.equal(hit.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(h.openai.chatCalls, 2);
    const bad = await post({ model: 'uncached', messages }, { 'x-switchyard-cache-ttl': 'soon' });
    assert.equal(bad.status, 400);
    const error = (await bad.json()) as { error: { param: string; code: string } };
    assert.equal(error.error.param, 'x-switchyard-cache-ttl');
    assert.equal(error.error.code, 'invalid_value');
    assert.equal(bad.headers.get('x-should-retry'), 'false');
  });

  test('ten identical concurrent requests make one upstream call, streams and JSON alike', async () => {
    h.openai.timing = { firstByteDelayMs: 150, chunkDelayMs: 10 };
    const messages = [{ role: 'user' as const, content: fresh('concurrent') }];
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        if (i % 2 === 0) {
          const { data, response } = await client.chat.completions
            .create({ model: 'gpt-4o-mini', messages })
            .withResponse();
          return {
            text: data.choices[0]?.message.content,
            id: data.id,
            state: response.headers.get('x-switchyard-cache'),
          };
        }
        const { data, response } = await client.chat.completions
          .create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } })
          .withResponse();
        let text = '';
        let id = '';
        let usage = false;
        for await (const chunk of data) {
          id = chunk.id;
          text += chunk.choices[0]?.delta.content ?? '';
          usage ||= chunk.usage != null;
        }
        assert.ok(usage, 'every stream with include_usage ends with usage');
        return { text, id, state: response.headers.get('x-switchyard-cache') };
      }),
    );
    assert.equal(h.openai.chatCalls, 1);
    assert.ok(results.every((result) => result.text === 'Hello from OpenAI.'));
    assert.equal(new Set(results.map((result) => result.id)).size, 1, 'the same answer for all');
    assert.deepEqual(results.map((result) => result.state).sort(), [
      'hit',
      'hit',
      'hit',
      'hit',
      'hit',
      'hit',
      'hit',
      'hit',
      'hit',
      'miss',
    ]);
  });

  test('a follower whose client leaves does not cancel the leader; a leader leaving does not fail its followers', async () => {
    h.openai.timing = { firstByteDelayMs: 100, chunkDelayMs: 40 };
    const messages = [{ role: 'user', content: fresh('disconnect') }];
    const leader = post({ model: 'gpt-4o-mini', messages, stream: true });
    await eventually(() => h.openai.inFlight === 1, 2000, 'the leader upstream');
    const quitter = new AbortController();
    const follower = fetch(`${h.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }),
      signal: quitter.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    quitter.abort();
    await assert.rejects(follower.then((response) => response.text()));
    const text = await (await leader).text();
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    assert.equal(h.openai.abortedRequests, 0);
    assert.equal(h.openai.chatCalls, 1);

    // Now the leader's client leaves while a follower waits: the upstream call goes on for the follower.
    const messages2 = [{ role: 'user', content: fresh('leader leaves') }];
    const leaving = new AbortController();
    const leader2 = fetch(`${h.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: messages2,
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal: leaving.signal,
    });
    await eventually(() => h.openai.inFlight === 1, 2000, 'the second leader upstream');
    const follower2 = post({ model: 'gpt-4o-mini', messages: messages2 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    leaving.abort();
    await leader2.then((response) => response.text()).catch(() => undefined);
    const answer = await follower2;
    assert.equal(answer.status, 200);
    assert.equal(
      ((await answer.json()) as OpenAI.Chat.Completions.ChatCompletion).choices[0]?.message.content,
      'Hello from OpenAI.',
    );
    assert.equal(h.openai.abortedRequests, 0, 'the upstream call was not cancelled');
    assert.equal(h.openai.chatCalls, 2);
    // And the answer, complete, was stored.
    const later = await post({ model: 'gpt-4o-mini', messages: messages2, stream: true });
    await later.text();
    assert.equal(later.headers.get('x-switchyard-cache'), 'hit');
  });

  test('a body the gateway refuses is refused before the cache: a 400 naming the field, nothing hashed or sent', async () => {
    // 100,000 levels: deep enough to overflow any recursive walk, such as a cache key's canonical form.
    const raw = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const answer = await fetch(`${h.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-cache-ttl': '60' },
      body: raw,
    });
    assert.equal(answer.status, 400);
    const body = await answer.json();
    assert.equal(body.error.param, 'deep');
    assert.equal(h.openai.chatCalls, 0);
  });

  test('a lone client that leaves still cancels its upstream call, and the cut answer is not stored', async () => {
    h.openai.timing = { firstByteDelayMs: 20, chunkDelayMs: 80 };
    const messages = [{ role: 'user', content: fresh('lone leaver') }];
    const leaving = new AbortController();
    const response = await fetch(`${h.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }),
      signal: leaving.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    leaving.abort();
    await eventually(() => h.openai.abortedRequests === 1, 3000, 'the upstream call to be cancelled');
    h.openai.timing = { firstByteDelayMs: 0, chunkDelayMs: 0 };
    const next = await post({ model: 'gpt-4o-mini', messages });
    await next.text();
    assert.equal(next.headers.get('x-switchyard-cache'), 'miss');
  });
});

describe('response cache with gateway keys', () => {
  let keyed: Harness;
  const KEYS = ['client-key-alpha-0001', 'client-key-bravo-0002'];
  before(async () => {
    keyed = await startHarness({
      env: { GATEWAY_API_KEYS: KEYS.join(',') },
      configText:
        'cache: { ttlMs: 60000 }\nroutes:\n  shared-route:\n    targets: [openai:gpt-4o-mini]\n    cache: { shareAcrossKeys: true }\n',
    });
  });
  after(() => keyed.close());

  const ask = (key: string, model: string, content: string) =>
    new OpenAI({ apiKey: key, baseURL: keyed.baseURL, maxRetries: 0 }).chat.completions
      .create({ model, messages: [{ role: 'user', content }] })
      .withResponse();

  test('two gateway keys get separate entries by default', async () => {
    const content = fresh('tenants');
    const a1 = await ask(KEYS[0]!, 'gpt-4o-mini', content);
    const b1 = await ask(KEYS[1]!, 'gpt-4o-mini', content);
    const a2 = await ask(KEYS[0]!, 'gpt-4o-mini', content);
    assert.equal(a1.response.headers.get('x-switchyard-cache'), 'miss');
    assert.equal(
      b1.response.headers.get('x-switchyard-cache'),
      'miss',
      'another tenant never gets the first one’s entry',
    );
    assert.equal(a2.response.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(keyed.openai.chatCalls, 2);
    assert.notEqual(b1.data.id, a1.data.id);
    assert.equal(a2.data.id, a1.data.id);
    for (const line of keyed.logs) assertNoSecrets(JSON.stringify(line), 'log line');
    assert.ok(!JSON.stringify(keyed.logs).includes(KEYS[0]!), 'no gateway key in the logs');
  });

  test('shareAcrossKeys shares one entry', async () => {
    const content = fresh('shared');
    const a = await ask(KEYS[0]!, 'shared-route', content);
    const b = await ask(KEYS[1]!, 'shared-route', content);
    assert.equal(a.response.headers.get('x-switchyard-cache'), 'miss');
    assert.equal(b.response.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(b.data.id, a.data.id);
  });
});
