/**
 * The OpenAI mock, checked with the official `openai` SDK as the client: if the SDK (and its stream helper)
 * accepts what the mock sends, the provider tests run against a faithful upstream.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { OPENAI_MOCK_RATE_LIMIT_HEADERS, openaiError, openaiFaults, startOpenAIMock } from '../../mocks/openai-mock.ts';

const messages = [{ role: 'user' as const, content: 'Say hello' }];

describe('OpenAI mock', () => {
  let mock: MockUpstream;
  let client: OpenAI;

  before(async () => {
    mock = await startOpenAIMock();
    client = new OpenAI({ apiKey: 'sk-test-mock-key', baseURL: `${mock.url}/v1`, maxRetries: 0 });
  });
  after(() => mock.close());
  beforeEach(() => mock.reset());

  async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  }

  async function rawSse(body: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true, ...body }),
    });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    return response.text();
  }

  it('answers a JSON chat completion in OpenAI’s shape, echoing the model', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini-2024-07-18', messages })
      .withResponse();
    assert.match(data.id, /^chatcmpl-[A-Za-z0-9]{29}$/);
    assert.equal(data.object, 'chat.completion');
    assert.equal(typeof data.created, 'number');
    assert.equal(data.model, 'gpt-4o-mini-2024-07-18');
    assert.deepEqual(data.choices, [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello from OpenAI.', refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
    assert.deepEqual(data.usage, {
      prompt_tokens: 12,
      completion_tokens: 4,
      total_tokens: 16,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
    assert.equal(data.service_tier, 'default');
    assert.match(data.system_fingerprint ?? '', /^fp_/);

    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
    assert.match(response.headers.get('openai-processing-ms') ?? '', /^\d+$/);
    for (const [name, value] of Object.entries(OPENAI_MOCK_RATE_LIMIT_HEADERS)) {
      assert.equal(response.headers.get(name), value);
    }

    assert.equal(mock.chatCalls, 1);
    const recorded = mock.requests[0];
    assert.equal(recorded?.path, '/v1/chat/completions');
    assert.equal(recorded?.headers.authorization, 'Bearer sk-test-mock-key');
  });

  it('reports cached prompt tokens and a scripted finish', async () => {
    mock.script = { text: ['Cut'], finish: 'length', usage: { input: 2000, output: 1, cached: 1024 } };
    const data = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    assert.equal(data.choices[0]?.finish_reason, 'length');
    assert.equal(data.usage?.prompt_tokens_details?.cached_tokens, 1024);
  });

  it('streams role, content deltas and a finish chunk, then [DONE]', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }),
    );
    assert.equal(chunks.length, 5);
    const ids = new Set(chunks.map((chunk) => chunk.id));
    assert.equal(ids.size, 1, 'every chunk carries the same id');
    for (const chunk of chunks) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.model, 'gpt-4o-mini');
      assert.equal('usage' in chunk, false, 'no usage field without include_usage');
      assert.equal(typeof chunk.obfuscation, 'string', 'obfuscation is on by default');
    }
    assert.deepEqual(chunks[0]?.choices, [
      { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
    ]);
    assert.deepEqual(
      chunks.slice(1, 4).map((chunk) => chunk.choices[0]?.delta),
      [{ content: 'Hello' }, { content: ' from' }, { content: ' OpenAI.' }],
    );
    assert.deepEqual(chunks[4]?.choices, [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
  });

  it('adds a usage chunk with empty choices, and usage: null elsewhere, when include_usage is set', async () => {
    const chunks = await collect(
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
        stream_options: { include_usage: true, include_obfuscation: false },
      }),
    );
    assert.equal(chunks.length, 6);
    for (const chunk of chunks.slice(0, 5)) assert.equal(chunk.usage, null);
    const last = chunks[5];
    assert.deepEqual(last?.choices, []);
    assert.equal(last?.usage?.total_tokens, 16);
    for (const chunk of chunks) assert.equal('obfuscation' in chunk, false);
  });

  it('sends data: lines only, ending with data: [DONE]', async () => {
    const text = await rawSse({ stream_options: { include_usage: true } });
    const frames = text.split('\n\n').filter((frame) => frame !== '');
    for (const frame of frames) assert.match(frame, /^data: /);
    assert.equal(frames.at(-1), 'data: [DONE]');
    assert.equal(text.includes('event:'), false);
  });

  it('works with the SDK stream helper (finalChatCompletion)', async () => {
    const stream = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages,
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    assert.equal(final.choices[0]?.message.content, 'Hello from OpenAI.');
    assert.equal(final.choices[0]?.finish_reason, 'stop');
    assert.equal(final.usage?.completion_tokens, 4);
  });

  it('answers tool calls in JSON', async () => {
    mock.script = { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }] };
    const data = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const choice = data.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.content, null);
    const call = choice?.message.tool_calls?.[0];
    assert.match(call?.id ?? '', /^call_[A-Za-z0-9]{24}$/);
    assert.equal(call?.type, 'function');
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris', unit: 'celsius' });
  });

  it('streams tool calls as a header then argument fragments under the same index', async () => {
    mock.script = {
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris' } },
        { name: 'get_time', arguments: { zone: 'Europe/Paris' } },
      ],
    };
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }),
    );
    const first = chunks[0]?.choices[0]?.delta;
    // A tool-only answer: the role chunk carries the first call, with content null.
    assert.equal(first?.role, 'assistant');
    assert.equal(first?.content, null);
    assert.equal(first?.tool_calls?.[0]?.index, 0);
    assert.match(first?.tool_calls?.[0]?.id ?? '', /^call_/);
    assert.deepEqual(first?.tool_calls?.[0]?.function, { name: 'get_weather', arguments: '' });

    const byIndex = new Map<number, { name: string; args: string }>();
    for (const chunk of chunks) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        const entry = byIndex.get(call.index) ?? { name: '', args: '' };
        if (call.id) assert.equal(call.type, 'function');
        entry.name += call.function?.name ?? '';
        entry.args += call.function?.arguments ?? '';
        byIndex.set(call.index, entry);
      }
    }
    assert.deepEqual(byIndex.get(0), { name: 'get_weather', args: '{"city":"Paris"}' });
    assert.deepEqual(byIndex.get(1), { name: 'get_time', args: '{"zone":"Europe/Paris"}' });
    assert.ok(chunks.filter((chunk) => chunk.choices[0]?.delta.tool_calls).length > 4, 'arguments are fragmented');
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('reassembles streamed text and tool calls with the stream helper', async () => {
    mock.script = { text: ['Let me check.'], toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] };
    const final = await client.chat.completions.stream({ model: 'gpt-4o-mini', messages }).finalChatCompletion();
    const message = final.choices[0]?.message;
    assert.equal(message?.content, 'Let me check.');
    const call = message?.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  });

  it('sends a native finish reason verbatim', async () => {
    mock.script = { text: ['x'], nativeFinish: 'something_new' };
    const data = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    assert.equal(data.choices[0]?.finish_reason, 'something_new');
  });

  it('lists models', async () => {
    const page = await client.models.list();
    const ids = page.data.map((model) => model.id);
    assert.ok(ids.includes('gpt-4o-mini'));
    assert.equal(page.data[0]?.object, 'model');
  });

  it('answers unknown paths with an OpenAI 404 envelope', async () => {
    const response = await fetch(`${mock.url}/v1/nope`, { method: 'POST' });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), {
      error: { message: 'Invalid URL (/v1/nope)', type: 'invalid_request_error', param: null, code: null },
    });
  });

  it('builds the error envelope', () => {
    assert.deepEqual(openaiError(400, 'bad', 'invalid_request_error', 'x', 'temperature'), {
      error: { message: 'bad', type: 'invalid_request_error', param: 'temperature', code: 'x' },
    });
    assert.deepEqual(openaiError(500, 'boom', 'server_error', null), {
      error: { message: 'boom', type: 'server_error', param: null, code: null },
    });
  });

  describe('errors, as the SDK sees them', () => {
    async function failWith(fault: Parameters<MockUpstream['failNext']>[0]): Promise<APIError> {
      mock.failNext(fault);
      try {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      } catch (error) {
        assert.ok(error instanceof APIError, `expected an APIError, got ${String(error)}`);
        return error;
      }
      throw new Error('expected the call to fail');
    }

    it('401 invalid_api_key, echoing a masked key', async () => {
      const error = await failWith(openaiFaults.invalidApiKey('sk-proj-****wxyz'));
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.status, 401);
      assert.equal(error.code, 'invalid_api_key');
      assert.match(error.message, /sk-proj-\*\*\*\*wxyz/);
    });

    it('429 rate_limit_exceeded with retry-after headers', async () => {
      const error = await failWith(openaiFaults.rateLimited({ retryAfterSeconds: 2, retryAfterMs: 1500 }));
      assert.ok(error instanceof RateLimitError);
      assert.equal(error.code, 'rate_limit_exceeded');
      assert.equal(error.headers?.get('retry-after'), '2');
      assert.equal(error.headers?.get('retry-after-ms'), '1500');
      assert.equal(error.headers?.get('x-ratelimit-remaining-requests'), '0');
    });

    it('429 insufficient_quota', async () => {
      const error = await failWith(openaiFaults.insufficientQuota());
      assert.ok(error instanceof RateLimitError);
      assert.equal(error.type, 'insufficient_quota');
      assert.equal(error.code, 'insufficient_quota');
    });

    it('400 naming the parameter', async () => {
      const error = await failWith(openaiFaults.badParam('temperature'));
      assert.ok(error instanceof BadRequestError);
      assert.equal(error.param, 'temperature');
      assert.equal(error.code, 'decimal_above_max_value');
    });

    it('400 context_length_exceeded', async () => {
      const error = await failWith(openaiFaults.contextLengthExceeded());
      assert.ok(error instanceof BadRequestError);
      assert.equal(error.code, 'context_length_exceeded');
      assert.equal(error.param, 'messages');
    });

    it('404 model_not_found', async () => {
      const error = await failWith(openaiFaults.modelNotFound('gpt-9'));
      assert.ok(error instanceof NotFoundError);
      assert.equal(error.code, 'model_not_found');
      assert.match(error.message, /gpt-9/);
    });

    it('500 and 503', async () => {
      const server = await failWith(openaiFaults.serverError());
      assert.ok(server instanceof InternalServerError);
      assert.equal(server.status, 500);
      assert.equal(server.type, 'server_error');
      const overloaded = await failWith(openaiFaults.overloaded());
      assert.ok(overloaded instanceof InternalServerError);
      assert.equal(overloaded.status, 503);
      assert.equal(overloaded.code, 'server_is_overloaded');
    });

    it('an in-stream error event is thrown by the SDK’s iterator as an APIError without status', async () => {
      mock.failNext(openaiFaults.streamServerError(2));
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
      const seen: ChatCompletionChunk[] = [];
      await assert.rejects(
        async () => {
          for await (const chunk of stream) seen.push(chunk);
        },
        (error: unknown) => {
          assert.ok(error instanceof APIError);
          assert.equal(error.status, undefined);
          assert.equal(error.type, 'server_error');
          assert.match(error.message, /The server had an error/);
          return true;
        },
      );
      assert.equal(seen.length, 2, 'the chunks before the error were delivered');
    });

    it('the in-stream error frame is a single data: line with the envelope', () => {
      assert.equal(
        mockFrame(openaiError(200, 'boom', 'server_error', null)),
        'data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}\n\n',
      );
      // The bare error object is wrapped into the envelope.
      assert.equal(mockFrame({ message: 'm', type: 't' }), 'data: {"error":{"message":"m","type":"t"}}\n\n');
    });

    function mockFrame(error: unknown): string {
      return mock.wire.streamErrorFrame(error);
    }
  });
});
