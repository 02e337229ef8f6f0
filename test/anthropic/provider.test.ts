/**
 * createAnthropicProvider against the loopback Anthropic mock: the whole path through the official SDK,
 * over real HTTP, for JSON, streams, tool round trips, every failure shape, aborts and secrets.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { anthropicError, anthropicFaults, startAnthropicMock } from '../../mocks/anthropic-mock.ts';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { createAnthropicProvider } from '../../providers/anthropic/index.ts';
import type {
  ChatCompletionChunk,
  ChatRequest,
  Provider,
  ProviderCall,
  ProviderResult,
} from '../../providers/types.ts';
import type { UpstreamFailure } from '../../providers/upstream-failure.ts';
import { collectChunks, expectFailure } from '../helpers/provider-assertions.ts';

const KEY = 'sk-ant-api03-PROVIDERTESTKEY0123456789-abcdef';
const MODEL = 'claude-sonnet-4-6';
const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

function call(fields: Omit<Partial<ProviderCall>, 'request'> & { request?: Partial<ChatRequest> } = {}): ProviderCall {
  const { request, ...rest } = fields;
  return {
    request: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], ...request },
    model: MODEL,
    stream: false,
    includeUsage: false,
    signal: new AbortController().signal,
    timeoutMs: 5000,
    ...rest,
  };
}

function json(result: ProviderResult) {
  assert.equal(result.type, 'json');
  if (result.type !== 'json') throw new Error('expected json');
  return result;
}

function streamed(result: ProviderResult) {
  assert.equal(result.type, 'stream');
  if (result.type !== 'stream') throw new Error('expected stream');
  return result;
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The body the mock received for the n-th chat call. */
function sentBody(mock: MockUpstream, index = 0): Record<string, unknown> {
  const body = mock.requests[index]?.body;
  assert.ok(typeof body === 'object' && body !== null);
  return { ...body };
}

describe('anthropic provider against the mock', () => {
  let mock: MockUpstream;
  let provider: Provider;
  /** Every failure message the tests saw, checked for the key at the end. */
  const messages: string[] = [];

  before(async () => {
    mock = await startAnthropicMock();
    provider = createAnthropicProvider({ apiKey: KEY, baseURL: mock.url });
  });
  after(async () => {
    await mock.close();
  });
  beforeEach(() => mock.reset());

  async function fail(promise: Promise<unknown>): Promise<UpstreamFailure> {
    const failure = await expectFailure(promise);
    messages.push(failure.message);
    return failure;
  }

  it('is named anthropic and defaults to claude-sonnet-4-6 unless configured', () => {
    assert.equal(provider.name, 'anthropic');
    assert.equal(provider.defaultModel, 'claude-sonnet-4-6');
    assert.equal(
      createAnthropicProvider({ apiKey: KEY, defaultModel: 'claude-opus-4-8' }).defaultModel,
      'claude-opus-4-8',
    );
  });

  it('answers JSON with an OpenAI chat.completion, warnings and the rate-limit snapshot', async () => {
    const result = json(await provider.chat(call({ request: { temperature: 0.3, max_tokens: 256 } })));
    assert.equal(result.body.object, 'chat.completion');
    assert.match(result.body.id, /^chatcmpl-01/);
    assert.equal(result.body.model, MODEL);
    assert.equal(result.body.choices[0]?.message.content, 'Hello from Claude.');
    assert.equal(result.body.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(result.body.usage, {
      prompt_tokens: 12,
      completion_tokens: 6,
      total_tokens: 18,
      prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    });
    assert.deepEqual(
      result.warnings.map((warning) => warning.param),
      ['temperature'],
    );
    assert.equal(result.rateLimit?.remainingRequests, 49);
    assert.equal(result.rateLimit?.remainingTokens, 89_000);
    assert.ok((result.rateLimit?.resetRequestsMs ?? -1) > 0 && (result.rateLimit?.resetRequestsMs ?? 0) <= 60_000);

    const sent = sentBody(mock);
    assert.equal(sent.model, MODEL);
    assert.equal(sent.max_tokens, 256);
    assert.equal('temperature' in sent, false);
    assert.deepEqual(sent.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
    assert.equal(mock.requests[0]?.path, '/v1/messages');
    assert.equal(mock.requests[0]?.headers.authorization, `Bearer ${KEY}`);
    assert.equal(mock.requests[0]?.headers['anthropic-version'], '2026-10-21');
  });

  it('streams OpenAI chunks with one id, the role first, a finish chunk and a usage chunk', async () => {
    mock.script = { text: ['Hello', ' from', ' Claude.'], usage: { input: 30, output: 6, cached: 20 } };
    const result = streamed(await provider.chat(call({ stream: true, includeUsage: true })));
    assert.equal(result.rateLimit?.remainingRequests, 49);
    const chunks = await collectChunks(result.chunks);
    assert.equal(sentBody(mock).stream, true);
    assert.ok(chunks.every((chunk) => chunk.id === chunks[0]?.id && chunk.object === 'chat.completion.chunk'));
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices[0]?.delta ?? null),
      [
        { role: 'assistant', content: '' },
        { content: 'Hello' },
        { content: ' from' },
        { content: ' Claude.' },
        {},
        null,
      ],
    );
    assert.equal(chunks[4]?.choices[0]?.finish_reason, 'stop');
    assert.ok(chunks.slice(0, 5).every((chunk) => chunk.usage === null));
    assert.deepEqual(chunks[5]?.choices, []);
    assert.deepEqual(chunks[5]?.usage, {
      prompt_tokens: 30,
      completion_tokens: 6,
      total_tokens: 36,
      prompt_tokens_details: { cached_tokens: 20, cache_write_tokens: 0 },
    });
  });

  it('keeps tool-call ids stable across a JSON round trip', async () => {
    mock.script = { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
    const first = json(
      await provider.chat(
        call({ request: { tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Paris?' }] } }),
      ),
    );
    const toolCall = first.body.choices[0]?.message.tool_calls?.[0];
    assert.equal(first.body.choices[0]?.finish_reason, 'tool_calls');
    assert.ok(toolCall && toolCall.type === 'function');
    assert.match(toolCall.id, /^toolu_01/);
    assert.deepEqual(JSON.parse(toolCall.function.arguments), { city: 'Paris' });
    assert.deepEqual(sentBody(mock).tools, [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ]);

    mock.script = { text: ['18C and sunny.'] };
    const second = json(
      await provider.chat(
        call({
          request: {
            tools: [WEATHER_TOOL],
            messages: [
              { role: 'user', content: 'Paris?' },
              { role: 'assistant', content: null, tool_calls: [toolCall] },
              { role: 'tool', tool_call_id: toolCall.id, content: '18C sunny' },
            ],
          },
        }),
      ),
    );
    assert.equal(second.body.choices[0]?.message.content, '18C and sunny.');
    assert.deepEqual(sentBody(mock, 1).messages, [
      { role: 'user', content: [{ type: 'text', text: 'Paris?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: toolCall.id, name: 'get_weather', input: { city: 'Paris' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolCall.id, content: '18C sunny' }] },
    ]);
  });

  it('streams tool calls as OpenAI deltas whose id and arguments round-trip', async () => {
    mock.script = { text: ['Checking.'], toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] };
    const result = streamed(await provider.chat(call({ stream: true, request: { tools: [WEATHER_TOOL] } })));
    const chunks = await collectChunks(result.chunks);
    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    assert.deepEqual(toolDeltas[0], {
      index: 0,
      id: toolDeltas[0]?.id,
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    assert.match(toolDeltas[0]?.id ?? '', /^toolu_01/);
    assert.ok(toolDeltas.slice(1).every((delta) => delta.index === 0 && delta.id === undefined));
    assert.deepEqual(JSON.parse(toolDeltas.map((delta) => delta.function?.arguments ?? '').join('')), { city: 'Oslo' });
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');

    const id = toolDeltas[0]?.id ?? '';
    json(
      await provider.chat(
        call({
          request: {
            tools: [WEATHER_TOOL],
            messages: [
              { role: 'user', content: 'Oslo?' },
              {
                role: 'assistant',
                content: 'Checking.',
                tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
              },
              { role: 'tool', tool_call_id: id, content: '4C rain' },
            ],
          },
        }),
      ),
    );
    const messages = sentBody(mock, 1).messages;
    assert.ok(Array.isArray(messages));
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id, name: 'get_weather', input: { city: 'Oslo' } },
      ],
    });
    assert.deepEqual(messages[2], {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content: '4C rain' }],
    });
  });

  it('rejects what Anthropic cannot serve before any network call', async () => {
    const failure = await fail(provider.chat(call({ request: { n: 3 } })));
    assert.equal(failure.code, 'unsupported_parameter');
    assert.equal(failure.param, 'n');
    assert.equal(failure.status, 400);
    assert.equal(mock.chatCalls, 0);
  });

  it('maps HTTP errors to failure kinds with status, code and Retry-After', async () => {
    const cases: Array<
      [ReturnType<typeof anthropicFaults.overloaded>, UpstreamFailure['kind'], number, number | undefined]
    > = [
      [anthropicFaults.overloaded(2), 'overloaded', 529, 2000],
      [anthropicFaults.rateLimited(7), 'rate_limit', 429, 7000],
      [anthropicFaults.spendLimit(), 'quota_exhausted', 429, undefined],
      [anthropicFaults.invalidApiKey(), 'auth', 401, undefined],
      [anthropicFaults.billing(), 'quota_exhausted', 402, undefined],
      [anthropicFaults.creditBalanceTooLow(), 'quota_exhausted', 400, undefined],
      [anthropicFaults.permission(), 'permission', 403, undefined],
      [anthropicFaults.modelNotFound(), 'not_found', 404, undefined],
      [anthropicFaults.promptTooLong(), 'context_length', 400, undefined],
      [anthropicFaults.badRequest(), 'bad_request', 400, undefined],
      [anthropicFaults.requestTooLarge(), 'context_length', 413, undefined],
      [anthropicFaults.serverError(), 'server', 500, undefined],
      [anthropicFaults.gatewayTimeout(), 'timeout', 504, undefined],
    ];
    for (const [fault, kind, status, retryAfterMs] of cases) {
      mock.failNext(fault);
      for (const stream of [false, true]) {
        if (stream) mock.failNext(fault);
        const failure = await fail(provider.chat(call({ stream })));
        assert.equal(failure.kind, kind, `${status} → ${kind} (stream: ${stream})`);
        assert.equal(failure.status, status);
        assert.equal(failure.retryAfterMs, retryAfterMs);
        assert.equal(failure.provider, 'anthropic');
      }
    }
    assert.equal(mock.chatCalls, cases.length * 2, 'maxRetries 0: one upstream call per attempt');
  });

  it('maps malformed JSON, a dropped connection and a hung upstream', async () => {
    mock.failNext({ kind: 'malformed' });
    const malformed = await fail(provider.chat(call()));
    assert.equal(malformed.kind, 'server');
    assert.equal(malformed.code, 'malformed_response');

    mock.failNext({ kind: 'status', status: 200, body: 'an HTML page from a proxy' });
    const notAMessage = await fail(provider.chat(call()));
    assert.equal(notAMessage.kind, 'server');
    assert.equal(notAMessage.code, 'malformed_response');

    mock.failNext({ kind: 'drop' });
    assert.equal((await fail(provider.chat(call()))).kind, 'network');

    mock.failNext({ kind: 'hang' });
    const hung = await fail(provider.chat(call({ timeoutMs: 150 })));
    assert.equal(hung.kind, 'timeout');
    assert.equal(hung.status, undefined);
  });

  it('surfaces an in-stream error event as an UpstreamFailure thrown by the chunk iterator', async () => {
    mock.failNext(anthropicFaults.streamOverloaded(4));
    const result = streamed(await provider.chat(call({ stream: true })));
    const seen: ChatCompletionChunk[] = [];
    const failure = await fail(
      (async () => {
        for await (const chunk of result.chunks) seen.push(chunk);
      })(),
    );
    assert.equal(failure.kind, 'overloaded');
    assert.equal(failure.code, 'overloaded_error');
    assert.equal(failure.status, undefined);
    assert.deepEqual(
      seen.map((chunk) => chunk.choices[0]?.delta),
      [{ role: 'assistant', content: '' }, { content: 'Hello' }],
    );
  });

  it('fails a stream cut mid-way with stream_interrupted and malformed stream data with malformed_response', async () => {
    mock.failNext({ kind: 'cut', afterEvents: 4 });
    const cut = streamed(await provider.chat(call({ stream: true })));
    assert.equal((await fail(collectChunks(cut.chunks))).kind, 'stream_interrupted');

    mock.failNext({ kind: 'malformed' });
    const malformed = streamed(await provider.chat(call({ stream: true })));
    const failure = await fail(collectChunks(malformed.chunks));
    assert.equal(failure.kind, 'server');
    assert.equal(failure.code, 'malformed_response');
  });

  it('aborts the upstream request when the consumer breaks out of the chunks', async () => {
    mock.timing.chunkDelayMs = 40;
    const result = streamed(await provider.chat(call({ stream: true })));
    for await (const chunk of result.chunks) {
      assert.deepEqual(chunk.choices[0]?.delta, { role: 'assistant', content: '' });
      break;
    }
    await waitFor(() => mock.abortedRequests === 1);
    assert.equal(mock.inFlight, 0);
  });

  it('aborts the upstream request when the consumer returns before reading anything', async () => {
    mock.timing.chunkDelayMs = 40;
    const result = streamed(await provider.chat(call({ stream: true })));
    const iterator = result.chunks[Symbol.asyncIterator]();
    assert.deepEqual(await iterator.return?.(), { done: true, value: undefined });
    await waitFor(() => mock.abortedRequests === 1);
  });

  it("rethrows the signal's reason unchanged when routing aborts before the answer", async () => {
    mock.failNext({ kind: 'hang' });
    const controller = new AbortController();
    const reason = new Error('attempt deadline passed');
    const pending = provider.chat(call({ signal: controller.signal }));
    await waitFor(() => mock.inFlight === 1);
    controller.abort(reason);
    await assert.rejects(pending, (error: unknown) => error === reason);
    await waitFor(() => mock.abortedRequests === 1);

    const already = new AbortController();
    already.abort(reason);
    await assert.rejects(provider.chat(call({ signal: already.signal })), (error: unknown) => error === reason);
  });

  it("rethrows the signal's reason unchanged when routing aborts mid-stream", async () => {
    mock.timing.chunkDelayMs = 40;
    const controller = new AbortController();
    const reason = new Error('client went away');
    const result = streamed(await provider.chat(call({ stream: true, signal: controller.signal })));
    const seen: ChatCompletionChunk[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of result.chunks) {
          seen.push(chunk);
          if (seen.length === 1) controller.abort(reason);
        }
      })(),
      (error: unknown) => error === reason,
    );
    await waitFor(() => mock.abortedRequests === 1);
  });

  it('never puts the API key into a failure message, even when the upstream echoes it', async () => {
    mock.failNext({
      kind: 'status',
      status: 401,
      body: anthropicError(401, 'authentication_error', `invalid x-api-key: ${KEY}`),
    });
    const echoed = await fail(provider.chat(call()));
    assert.equal(echoed.kind, 'auth');

    mock.failNext({
      kind: 'stream-error',
      afterEvents: 2,
      error: anthropicError(200, 'api_error', `internal error for key ${KEY}`),
    });
    const result = streamed(await provider.chat(call({ stream: true })));
    assert.equal((await fail(collectChunks(result.chunks))).kind, 'server');

    assert.ok(messages.length > 20);
    for (const message of messages) {
      assert.ok(!message.includes(KEY), message);
      assert.ok(!message.includes('PROVIDERTESTKEY'), message);
    }
  });
});
