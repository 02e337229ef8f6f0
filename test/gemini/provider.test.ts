import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { geminiFaults, startGeminiMock } from '../../mocks/gemini-mock.ts';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { createGeminiProvider } from '../../providers/gemini/index.ts';
import type {
  ChatCompletionChunk,
  ChatRequest,
  Provider,
  ProviderCall,
  ProviderResult,
} from '../../providers/types.ts';
import { collectChunks, expectFailure } from '../helpers/provider-assertions.ts';

const KEY = 'AIzaSECRETgeminiKEY0123456789abcdefgh';
const MODEL = 'gemini-2.5-flash';
const WEATHER_TOOL = {
  type: 'function' as const,
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
};

function call(request: Partial<ChatRequest>, overrides: Partial<ProviderCall> = {}): ProviderCall {
  const full = { model: MODEL, messages: [{ role: 'user', content: 'Hi' }], ...request } as ChatRequest;
  return {
    request: full,
    model: MODEL,
    stream: full.stream === true,
    includeUsage: false,
    signal: new AbortController().signal,
    timeoutMs: 5000,
    ...overrides,
  };
}

async function json(result: Promise<ProviderResult>) {
  const value = await result;
  assert.equal(value.type, 'json');
  if (value.type !== 'json') throw new Error('unreachable');
  return value;
}

async function stream(result: Promise<ProviderResult>) {
  const value = await result;
  assert.equal(value.type, 'stream');
  if (value.type !== 'stream') throw new Error('unreachable');
  return value;
}

function requestBody(mock: MockUpstream, index = 0): Record<string, unknown> {
  const body = mock.requests[index]?.body;
  assert.ok(typeof body === 'object' && body !== null);
  return body as Record<string, unknown>;
}

async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createGeminiProvider against the Gemini mock', () => {
  let mock: MockUpstream;
  let provider: Provider;

  before(async () => {
    mock = await startGeminiMock();
    provider = createGeminiProvider({ apiKey: KEY, baseURL: mock.url });
  });
  after(async () => {
    await mock.close();
  });
  beforeEach(() => {
    mock.reset();
  });

  it('is named gemini with a default model', () => {
    assert.equal(provider.name, 'gemini');
    assert.equal(provider.defaultModel, 'gemini-2.5-flash');
    assert.equal(createGeminiProvider({ apiKey: KEY, defaultModel: 'gemini-3-pro' }).defaultModel, 'gemini-3-pro');
  });

  it('answers a JSON chat completion', async () => {
    const result = await json(
      provider.chat(
        call({
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Hi' },
          ],
          temperature: 0.2,
        }),
      ),
    );
    const body = result.body;
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, MODEL);
    assert.ok(Math.abs(body.created - Date.now() / 1000) < 5);
    assert.deepEqual(body.choices, [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello from Gemini.', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
    assert.deepEqual(body.usage, {
      prompt_tokens: 8,
      completion_tokens: 3,
      total_tokens: 11,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    assert.deepEqual(result.warnings, []);

    const recorded = mock.requests[0];
    assert.equal(recorded?.path, `/v1beta/models/${MODEL}:generateContent`);
    assert.equal(recorded?.headers['x-goog-api-key'], KEY);
    assert.ok(!recorded?.path.includes(KEY));
    const sent = requestBody(mock);
    assert.deepEqual(sent.contents, [{ role: 'user', parts: [{ text: 'Hi' }] }]);
    assert.deepEqual(sent.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.deepEqual(sent.generationConfig, { temperature: 0.2 });
  });

  it('streams OpenAI chunks: role, text deltas, finish, usage; one id; no [DONE]', async () => {
    const result = await stream(provider.chat(call({ stream: true }, { includeUsage: true })));
    const chunks = await collectChunks(result.chunks);
    assert.equal(new Set(chunks.map((chunk) => chunk.id)).size, 1);
    assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === MODEL));
    assert.deepEqual(
      chunks.map((chunk) => [chunk.choices[0]?.delta ?? null, chunk.choices[0]?.finish_reason ?? null, chunk.usage]),
      [
        [{ role: 'assistant', content: '' }, null, null],
        [{ content: 'Hello' }, null, null],
        [{ content: ' from' }, null, null],
        [{ content: ' Gemini.' }, null, null],
        [{}, 'stop', null],
        [
          null,
          null,
          {
            prompt_tokens: 8,
            completion_tokens: 3,
            total_tokens: 11,
            prompt_tokens_details: { cached_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 0 },
          },
        ],
      ],
    );
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.equal(mock.requests[0]?.path, `/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
  });

  it('round-trips tool calls with stable ids: the follow-up reaches Gemini with the right names', async () => {
    mock.script = { text: [], toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
    const first = await json(
      provider.chat(call({ messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [WEATHER_TOOL] })),
    );
    const choice = first.body.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.content, null);
    const toolCall = choice?.message.tool_calls?.[0];
    assert.ok(toolCall && toolCall.type === 'function');
    assert.match(toolCall.id, /^call_[A-Za-z0-9]{24}$/);
    assert.deepEqual(toolCall.function, { name: 'get_weather', arguments: '{"city":"Paris"}' });
    const declarations = (requestBody(mock).tools as Array<{ functionDeclarations: unknown[] }>)[0]
      ?.functionDeclarations;
    assert.deepEqual(declarations, [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        parametersJsonSchema: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
      },
    ]);

    mock.script = { text: ['It is 21 degrees.'] };
    const second = await json(
      provider.chat(
        call({
          tools: [WEATHER_TOOL],
          messages: [
            { role: 'user', content: 'Weather in Paris?' },
            { role: 'assistant', content: null, tool_calls: [toolCall] },
            { role: 'tool', tool_call_id: toolCall.id, content: '{"temp":21}' },
          ],
        }),
      ),
    );
    assert.equal(second.body.choices[0]?.message.content, 'It is 21 degrees.');
    assert.deepEqual(requestBody(mock, 1).contents, [
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: '{"temp":21}' } } }] },
    ]);
  });

  it('streams a tool call as one OpenAI tool_calls delta and finishes with tool_calls', async () => {
    mock.script = {
      text: ['Checking.'],
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Oslo' } },
        { name: 'get_weather', arguments: { city: 'Rome' } },
      ],
    };
    const result = await stream(provider.chat(call({ stream: true, tools: [WEATHER_TOOL] })));
    const chunks = await collectChunks(result.chunks);
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta);
    assert.deepEqual(deltas[1], { content: 'Checking.' });
    const calls = deltas.flatMap((delta) => delta?.tool_calls ?? []);
    assert.equal(calls.length, 2);
    assert.deepEqual(
      calls.map((entry) => [entry.index, entry.type, entry.function]),
      [
        [0, 'function', { name: 'get_weather', arguments: '{"city":"Oslo"}' }],
        [1, 'function', { name: 'get_weather', arguments: '{"city":"Rome"}' }],
      ],
    );
    assert.ok(calls.every((entry) => /^call_/.test(entry.id ?? '')));
    assert.notEqual(calls[0]?.id, calls[1]?.id);
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(chunks.at(-1)?.usage, undefined, 'no usage field without includeUsage');
  });

  describe('errors', () => {
    it('429 with RetryInfo → rate_limit with retryAfterMs from retryDelay, not retried', async () => {
      mock.failNext(geminiFaults.rateLimited({ retryDelay: '58s' }));
      const failure = await expectFailure(provider.chat(call({})), KEY);
      assert.equal(failure.kind, 'rate_limit');
      assert.equal(failure.status, 429);
      assert.equal(failure.code, 'RESOURCE_EXHAUSTED');
      assert.equal(failure.retryAfterMs, 58_000);
      assert.equal(failure.provider, 'gemini');
      assert.equal(mock.chatCalls, 1, 'the SDK must not retry');
    });

    it('429 without RetryInfo but with Retry-After → retryAfterMs from the header', async () => {
      mock.failNext(geminiFaults.rateLimited({ retryAfterSeconds: 7 }));
      const failure = await expectFailure(provider.chat(call({})), KEY);
      assert.equal(failure.kind, 'rate_limit');
      assert.equal(failure.retryAfterMs, 7000);
    });

    it('429 on a per-day quota → quota_exhausted', async () => {
      mock.failNext(geminiFaults.dailyQuotaExhausted());
      const failure = await expectFailure(provider.chat(call({})), KEY);
      assert.equal(failure.kind, 'quota_exhausted');
      assert.equal(failure.code, 'RESOURCE_EXHAUSTED');
    });

    it('503 → overloaded, once', async () => {
      mock.failNext(geminiFaults.overloaded());
      const failure = await expectFailure(provider.chat(call({})), KEY);
      assert.deepEqual([failure.kind, failure.status, failure.code], ['overloaded', 503, 'UNAVAILABLE']);
      assert.equal(mock.chatCalls, 1);
    });

    it('400 API_KEY_INVALID → auth', async () => {
      mock.failNext(geminiFaults.apiKeyInvalid());
      const failure = await expectFailure(provider.chat(call({})), KEY);
      assert.deepEqual([failure.kind, failure.status, failure.code], ['auth', 400, 'INVALID_ARGUMENT']);
    });

    it('maps the other statuses', async () => {
      const cases: Array<[ReturnType<typeof geminiFaults.internal>, string, number]> = [
        [geminiFaults.internal(), 'server', 500],
        [geminiFaults.deadlineExceeded(), 'timeout', 504],
        [geminiFaults.modelNotFound(), 'not_found', 404],
        [geminiFaults.permissionDenied(), 'permission', 403],
        [geminiFaults.contextTooLong(), 'context_length', 400],
        [geminiFaults.badRequest(), 'bad_request', 400],
        [geminiFaults.locationNotSupported(), 'permission', 400],
      ];
      for (const [fault, kind, status] of cases) {
        mock.failNext(fault);
        const failure = await expectFailure(provider.chat(call({})), KEY);
        assert.deepEqual([failure.kind, failure.status], [kind, status]);
      }
    });

    it('never lets the key through, even when Google echoes it', async () => {
      mock.failNext(geminiFaults.permissionDenied(KEY));
      const failure = await expectFailure(provider.chat(call({})), KEY);
      assert.match(failure.message, /\[redacted\]/);
    });

    it('an error event inside the stream is mapped by its status', async () => {
      mock.failNext(geminiFaults.streamError(1));
      const result = await stream(provider.chat(call({ stream: true })));
      const seen: ChatCompletionChunk[] = [];
      const failure = await expectFailure(
        (async () => {
          for await (const chunk of result.chunks) seen.push(chunk);
        })(),
        KEY,
      );
      assert.deepEqual([failure.kind, failure.status, failure.code], ['overloaded', 503, 'UNAVAILABLE']);
      assert.deepEqual(
        seen.map((chunk) => chunk.choices[0]?.delta),
        [{ role: 'assistant', content: '' }, { content: 'Hello' }],
      );
    });

    it('a connection dropped mid-stream → stream_interrupted', async () => {
      mock.failNext({ kind: 'cut', afterEvents: 1 });
      const result = await stream(provider.chat(call({ stream: true })));
      const failure = await expectFailure(collectChunks(result.chunks), KEY);
      assert.equal(failure.kind, 'stream_interrupted');
    });

    it('a dropped connection before any response → network', async () => {
      mock.failNext({ kind: 'drop' });
      const failure = await expectFailure(provider.chat(call({})), KEY);
      assert.equal(failure.kind, 'network');
      assert.equal(failure.status, undefined);
    });

    it('malformed JSON → server / malformed_response, as a body and inside a stream', async () => {
      mock.failNext({ kind: 'malformed' });
      const jsonFailure = await expectFailure(provider.chat(call({})), KEY);
      assert.deepEqual([jsonFailure.kind, jsonFailure.code], ['server', 'malformed_response']);

      mock.failNext({ kind: 'malformed' });
      const result = await stream(provider.chat(call({ stream: true })));
      const streamFailure = await expectFailure(collectChunks(result.chunks), KEY);
      assert.deepEqual([streamFailure.kind, streamFailure.code], ['server', 'malformed_response']);
    });

    it('an attempt that outlives timeoutMs → timeout', async () => {
      mock.failNext({ kind: 'hang' });
      const failure = await expectFailure(provider.chat(call({}, { timeoutMs: 100 })), KEY);
      assert.equal(failure.kind, 'timeout');
      await waitFor(() => mock.inFlight === 0);
    });

    it('a finish reason without OpenAI equivalent is a failure, never a silent stop', async () => {
      mock.script = { text: ['?'], nativeFinish: 'MALFORMED_FUNCTION_CALL' };
      const failure = await expectFailure(provider.chat(call({})), KEY);
      assert.deepEqual([failure.kind, failure.code], ['server', 'MALFORMED_FUNCTION_CALL']);
    });
  });

  describe('before the network', () => {
    it('refuses unsupported parameters with unsupported_parameter and sends nothing', async () => {
      const failure = await expectFailure(
        provider.chat(call({ modalities: ['text', 'audio'], audio: { format: 'mp3', voice: 'alloy' } })),
        KEY,
      );
      assert.deepEqual(
        [failure.kind, failure.status, failure.code, failure.param],
        ['cannot_serve', 400, 'unsupported_parameter', 'audio'],
      );
      assert.equal(mock.chatCalls, 0);
    });

    it('rethrows an already-aborted signal reason without calling Gemini', async () => {
      const controller = new AbortController();
      const reason = new Error('client went away');
      controller.abort(reason);
      await assert.rejects(
        provider.chat(call({}, { signal: controller.signal })),
        (error: unknown) => error === reason,
      );
      assert.equal(mock.chatCalls, 0);
    });

    it('returns warnings for what Gemini cannot honour', async () => {
      const result = await json(provider.chat(call({ logit_bias: { '50256': -100 }, user: 'u-1' })));
      assert.deepEqual(
        result.warnings.map((warning) => warning.param),
        ['logit_bias', 'user'],
      );
    });
  });

  describe('cancellation', () => {
    it('rethrows call.signal.reason unchanged when aborted during a JSON call, and the request is cancelled', async () => {
      mock.failNext({ kind: 'hang' });
      const controller = new AbortController();
      const reason = new Error('deadline passed');
      const pending = provider.chat(call({}, { signal: controller.signal }));
      await waitFor(() => mock.inFlight === 1);
      controller.abort(reason);
      await assert.rejects(pending, (error: unknown) => error === reason);
      await waitFor(() => mock.abortedRequests === 1);
    });

    it('rethrows call.signal.reason unchanged when aborted mid-stream', async () => {
      mock.timing = { firstByteDelayMs: 0, chunkDelayMs: 200 };
      const controller = new AbortController();
      const reason = new Error('client disconnected');
      const result = await stream(provider.chat(call({ stream: true }, { signal: controller.signal })));
      const iterator = result.chunks[Symbol.asyncIterator]();
      await iterator.next(); // role
      await iterator.next(); // "Hello"
      controller.abort(reason);
      await assert.rejects(iterator.next(), (error: unknown) => error === reason);
      await waitFor(() => mock.abortedRequests === 1);
    });

    it('breaking out of the chunk iterator cancels the upstream request', async () => {
      mock.timing = { firstByteDelayMs: 0, chunkDelayMs: 200 };
      const result = await stream(provider.chat(call({ stream: true })));
      for await (const chunk of result.chunks) {
        if (chunk.choices[0]?.delta.content === 'Hello') break;
      }
      await waitFor(() => mock.abortedRequests === 1);
      assert.equal(mock.inFlight, 0);
    });

    it('returning from the iterator before reading anything cancels the upstream request too', async () => {
      mock.timing = { firstByteDelayMs: 0, chunkDelayMs: 200 };
      const result = await stream(provider.chat(call({ stream: true })));
      const iterator = result.chunks[Symbol.asyncIterator]();
      assert.deepEqual(await iterator.return?.(), { done: true, value: undefined });
      await waitFor(() => mock.abortedRequests === 1);
      assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    });

    it('returning while a read is pending cancels at once and ends the pending read quietly', async () => {
      mock.timing = { firstByteDelayMs: 0, chunkDelayMs: 1000 };
      const result = await stream(provider.chat(call({ stream: true })));
      const iterator = result.chunks[Symbol.asyncIterator]();
      await iterator.next(); // role
      await iterator.next(); // "Hello"
      const pending = iterator.next(); // waits for " from", 1 s away
      const started = Date.now();
      await iterator.return?.();
      assert.deepEqual(await pending, { done: true, value: undefined });
      assert.ok(Date.now() - started < 500, 'return() must not wait for the next upstream chunk');
      await waitFor(() => mock.abortedRequests === 1);
    });
  });
});
