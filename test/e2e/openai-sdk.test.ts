/**
 * The `openai` SDK pointed at the gateway: the same answers, streams and tool calls whether OpenAI, Claude
 * or Gemini serves, with OpenAI failing 500, 503 or 429 so that the others take over.
 */

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
import { anthropicError } from '../../mocks/anthropic-mock.ts';
import type { Fault, MockUpstream } from '../../mocks/mock-upstream.ts';
import { openaiFaults } from '../../mocks/openai-mock.ts';
import { assertNoSecrets, type Harness, startHarness } from '../helpers/harness.ts';

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  },
];

let h: Harness;
let client: OpenAI;

before(async () => {
  h = await startHarness({ random: () => 0 });
  client = new OpenAI({ apiKey: 'unused-by-an-open-gateway', baseURL: h.baseURL, maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => h.reset());

const scenarios: Array<{
  name: string;
  expect: 'openai' | 'anthropic' | 'gemini';
  text: string;
  setup: (h: Harness) => void;
}> = [
  { name: 'OpenAI healthy', expect: 'openai', text: 'Hello from OpenAI.', setup: () => {} },
  {
    name: 'OpenAI 500',
    expect: 'anthropic',
    text: 'Hello from Claude.',
    setup: (h) => h.openai.failAlways(openaiFaults.serverError()),
  },
  {
    name: 'OpenAI 503',
    expect: 'anthropic',
    text: 'Hello from Claude.',
    setup: (h) => h.openai.failAlways(openaiFaults.overloaded()),
  },
  {
    name: 'OpenAI 429',
    expect: 'anthropic',
    text: 'Hello from Claude.',
    setup: (h) => h.openai.failAlways(openaiFaults.rateLimited({ retryAfterSeconds: 1 })),
  },
  {
    name: 'OpenAI 500 and Anthropic 529',
    expect: 'gemini',
    text: 'Hello from Gemini.',
    setup: (h) => {
      h.openai.failAlways(openaiFaults.serverError());
      h.anthropic.failAlways({
        kind: 'status',
        status: 529,
        body: anthropicError(529, 'overloaded_error', 'Overloaded'),
      });
    },
  },
];

for (const scenario of scenarios) {
  describe(scenario.name, () => {
    test(`non-streaming answer served by ${scenario.expect}`, async () => {
      scenario.setup(h);
      const { data, response } = await client.chat.completions
        .create({
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Hi' },
          ],
        })
        .withResponse();
      assert.equal(response.headers.get('x-switchyard-provider'), scenario.expect);
      assert.equal(data.object, 'chat.completion');
      assert.equal(data.choices[0]?.message.role, 'assistant');
      assert.equal(data.choices[0]?.message.content, scenario.text);
      assert.equal(data.choices[0]?.finish_reason, 'stop');
      assert.ok(data.usage && data.usage.total_tokens === data.usage.prompt_tokens + data.usage.completion_tokens);
      assert.ok(Number(response.headers.get('x-switchyard-attempts')) >= 1);
      if (scenario.expect !== 'openai') {
        assert.match(response.headers.get('x-switchyard-fallback-reason') ?? '', /^openai:/);
      }
      assert.ok(response.headers.get('x-request-id'));
    });

    test(`stream served by ${scenario.expect}`, async () => {
      scenario.setup(h);
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      assert.equal(new Set(chunks.map((c) => c.id)).size, 1, 'one id for the whole stream');
      assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      assert.equal(text, scenario.text);
      const finish = chunks.find((c) => c.choices[0]?.finish_reason);
      assert.equal(finish?.choices[0]?.finish_reason, 'stop');
      const last = chunks[chunks.length - 1]!;
      assert.deepEqual(last.choices, [], 'usage chunk has no choices');
      assert.ok(last.usage && last.usage.total_tokens === last.usage.prompt_tokens + last.usage.completion_tokens);
      assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
    });

    test(`tool calls served by ${scenario.expect}, and the tool result round trip`, async () => {
      scenario.setup(h);
      for (const mock of h.mocks) mock.script = { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
      const first = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools,
      });
      const call = first.choices[0]?.message.tool_calls?.[0];
      assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
      assert.ok(call.id.length > 0);

      // Streamed tool call: index, id and argument fragments that join to the same JSON.
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools,
        stream: true,
      });
      let args = '';
      let streamedId = '';
      for await (const chunk of stream) {
        for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
          assert.equal(delta.index, 0);
          if (delta.id) streamedId = delta.id;
          args += delta.function?.arguments ?? '';
        }
      }
      assert.ok(streamedId);
      assert.deepEqual(JSON.parse(args), { city: 'Paris' });

      // Second turn with the tool result: the provider that serves sees the same id pairing.
      for (const mock of h.mocks) mock.script = { text: ['It is sunny.'] };
      const served = providerMock(h, scenario.expect);
      const before = served.requests.length;
      const second = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        tools,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: '{"sky":"sunny"}' },
        ],
      });
      assert.equal(second.choices[0]?.message.content, 'It is sunny.');
      const upstream = JSON.stringify(served.requests.slice(before).at(-1)?.body);
      if (scenario.expect === 'gemini') assert.match(upstream, /"functionResponse":\{[^}]*"name":"get_weather"/);
      else assert.ok(upstream.includes(call.id), 'the upstream sees the same tool call id');
    });
  });
}

function providerMock(h: Harness, name: 'openai' | 'anthropic' | 'gemini'): MockUpstream {
  return h[name];
}

describe('errors the caller must fix are returned at once', () => {
  const cases: Array<[string, Fault, number, string]> = [
    ['400 bad parameter', openaiFaults.badParam('temperature'), 400, 'decimal_above_max_value'],
    ['404 unknown model', openaiFaults.modelNotFound('gpt-nope'), 404, 'model_not_found'],
  ];
  for (const [name, fault, status, code] of cases) {
    test(name, async () => {
      h.openai.failAlways(fault);
      const started = Date.now();
      const error = await client.chat.completions
        .create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'Hi' }] })
        .then(
          () => assert.fail('expected an error'),
          (e: unknown) => e,
        );
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, status);
      assert.equal(error.code, code);
      assert.equal(error.headers?.get('x-should-retry'), 'false');
      assert.equal(h.openai.chatCalls, 1, 'never retried');
      assert.equal(h.anthropic.chatCalls + h.gemini.chatCalls, 0, 'the other providers see nothing');
      assert.ok(Date.now() - started < 1000);
    });
  }
});

test('every provider failing: a clear OpenAI-format error, quickly, with no provider key in it', async () => {
  h.openai.failAlways(openaiFaults.serverError());
  h.anthropic.failAlways({
    kind: 'status',
    status: 500,
    body: anthropicError(500, 'api_error', 'Internal server error'),
  });
  h.gemini.failAlways({
    kind: 'status',
    status: 503,
    body: { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } },
  });
  const started = Date.now();
  const response = await fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
  });
  const text = await response.text();
  assert.ok(Date.now() - started < 2000, 'fails fast');
  assert.ok(response.status >= 500);
  const body = JSON.parse(text) as { error: { message: string; type: string; code: string; param: null } };
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.match(body.error.message, /openai.*anthropic.*gemini/s);
  assert.equal(response.headers.get('x-should-retry'), 'false');
  assertNoSecrets(text, 'final error body');
  assertNoSecrets(JSON.stringify(h.logs), 'log lines');
});
