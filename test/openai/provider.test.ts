/**
 * createOpenAIProvider against the loopback OpenAI mock: what goes up, what comes back, how it fails.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { OPENAI_MOCK_RATE_LIMIT_HEADERS, openaiError, openaiFaults, startOpenAIMock } from '../../mocks/openai-mock.ts';
import { createOpenAIProvider } from '../../providers/openai/index.ts';
import type {
  ChatCompletionChunk,
  ChatRequest,
  Provider,
  ProviderCall,
  ProviderResult,
} from '../../providers/types.ts';
import { collectChunks, expectFailure } from '../helpers/provider-assertions.ts';

const API_KEY = 'sk-proj-TESTKEYabcdefghijklmnop1234';
const messages = [{ role: 'user' as const, content: 'Say hello' }];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function makeCall(
  overrides: Partial<ProviderCall> = {},
  request: ChatRequest = { model: 'client-alias', messages },
): ProviderCall {
  return {
    request: deepFreeze(request),
    model: 'gpt-4o-mini',
    stream: false,
    includeUsage: false,
    signal: new AbortController().signal,
    timeoutMs: 5000,
    ...overrides,
  };
}

function asJson(result: ProviderResult) {
  assert.equal(result.type, 'json');
  assert.ok(result.type === 'json');
  return result;
}

function asStream(result: ProviderResult) {
  assert.equal(result.type, 'stream');
  assert.ok(result.type === 'stream');
  return result;
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function requestBody(mock: MockUpstream, index = 0): Record<string, unknown> {
  const body = mock.requests[index]?.body;
  assert.ok(typeof body === 'object' && body !== null);
  return body as Record<string, unknown>;
}

describe('createOpenAIProvider', () => {
  let mock: MockUpstream;
  let provider: Provider;

  before(async () => {
    mock = await startOpenAIMock();
    provider = createOpenAIProvider({ apiKey: API_KEY, baseURL: `${mock.url}/v1` });
  });
  after(() => mock.close());
  beforeEach(() => mock.reset());

  it('is named openai with a default model, overridable', () => {
    assert.equal(provider.name, 'openai');
    assert.equal(provider.defaultModel, 'gpt-4o-mini');
    assert.equal(createOpenAIProvider({ apiKey: 'k', defaultModel: 'gpt-4.1' }).defaultModel, 'gpt-4.1');
  });

  describe('JSON', () => {
    it('forwards the request with the routed model and unknown fields, without mutating it', async () => {
      const request: ChatRequest = {
        model: 'client-alias',
        messages,
        temperature: 0.3,
        stream_options: { include_usage: true },
        x_made_up_field: { keep: ['me', 1] },
      };
      const result = asJson(await provider.chat(makeCall({}, request)));
      assert.equal(result.body.choices[0]?.message.content, 'Hello from OpenAI.');
      assert.deepEqual(result.warnings, []);
      assert.deepEqual(requestBody(mock), {
        model: 'gpt-4o-mini',
        messages,
        temperature: 0.3,
        x_made_up_field: { keep: ['me', 1] },
        stream: false,
      });
      assert.equal(request.model, 'client-alias');
      const headers = mock.requests[0]?.headers ?? {};
      assert.equal(headers.authorization, `Bearer ${API_KEY}`);
      assert.equal(mock.requests[0]?.path, '/v1/chat/completions');
    });

    it('returns the upstream body as is, unknown response fields included', async () => {
      const upstreamBody = {
        id: 'chatcmpl-custom',
        object: 'chat.completion',
        created: 1_760_000_000,
        model: 'gpt-4o-mini-2024-07-18',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hi', refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        service_tier: 'default',
        system_fingerprint: 'fp_x',
        x_vendor_metadata: { region: 'eu', trace: [1, 2, 3] },
      };
      mock.failNext({ kind: 'status', status: 200, body: upstreamBody, headers: { 'x-request-id': 'req_1' } });
      const result = asJson(await provider.chat(makeCall()));
      assert.deepEqual({ ...result.body }, upstreamBody);
    });

    it('reports the rate-limit headers as a snapshot', async () => {
      const result = asJson(await provider.chat(makeCall()));
      assert.deepEqual(result.rateLimit, {
        limitRequests: Number(OPENAI_MOCK_RATE_LIMIT_HEADERS['x-ratelimit-limit-requests']),
        limitTokens: Number(OPENAI_MOCK_RATE_LIMIT_HEADERS['x-ratelimit-limit-tokens']),
        remainingRequests: Number(OPENAI_MOCK_RATE_LIMIT_HEADERS['x-ratelimit-remaining-requests']),
        remainingTokens: Number(OPENAI_MOCK_RATE_LIMIT_HEADERS['x-ratelimit-remaining-tokens']),
        resetRequestsMs: 6,
        resetTokensMs: 7,
      });
    });

    it('has no snapshot when the upstream sends no rate-limit headers', async () => {
      mock.failNext({
        kind: 'status',
        status: 200,
        body: { id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [] },
      });
      const result = asJson(await provider.chat(makeCall()));
      assert.equal(result.rateLimit, undefined);
    });

    it('a 200 carrying an error envelope is a failure, not a completion', async () => {
      mock.failNext({ kind: 'status', status: 200, body: openaiError(200, 'model crashed', 'server_error', null) });
      const failure = await expectFailure(provider.chat(makeCall()));
      assert.equal(failure.kind, 'server');
      assert.equal(failure.message, 'model crashed');
    });

    it('a body that is not JSON → server / malformed_response', async () => {
      mock.failNext({ kind: 'malformed' });
      const failure = await expectFailure(provider.chat(makeCall()));
      assert.equal(failure.kind, 'server');
      assert.equal(failure.code, 'malformed_response');
    });
  });

  describe('errors', () => {
    it('429 rate_limit_exceeded with retry-after → rate_limit with retryAfterMs', async () => {
      mock.failNext(openaiFaults.rateLimited({ retryAfterSeconds: 2 }));
      const failure = await expectFailure(provider.chat(makeCall()));
      assert.equal(failure.kind, 'rate_limit');
      assert.equal(failure.status, 429);
      assert.equal(failure.code, 'rate_limit_exceeded');
      assert.equal(failure.retryAfterMs, 2000);
      assert.equal(mock.chatCalls, 1, 'the SDK does not retry (maxRetries: 0)');
    });

    it('429 with retry-after-ms prefers it; without retry-after falls back to the reset header', async () => {
      mock.failNext(openaiFaults.rateLimited({ retryAfterSeconds: 2, retryAfterMs: 1250 }), openaiFaults.rateLimited());
      assert.equal((await expectFailure(provider.chat(makeCall()))).retryAfterMs, 1250);
      const fallback = await expectFailure(provider.chat(makeCall()));
      assert.equal(fallback.kind, 'rate_limit');
      assert.equal(fallback.retryAfterMs, 120, 'x-ratelimit-reset-requests of the exhausted request budget');
    });

    it('429 insufficient_quota → quota_exhausted', async () => {
      mock.failNext(openaiFaults.insufficientQuota());
      const failure = await expectFailure(provider.chat(makeCall()));
      assert.equal(failure.kind, 'quota_exhausted');
      assert.equal(failure.code, 'insufficient_quota');
      assert.equal(failure.retryAfterMs, undefined);
    });

    it('401 → auth, without any trace of the key or the masked key', async () => {
      mock.failNext(openaiFaults.invalidApiKey('sk-proj-****1234'));
      const failure = await expectFailure(provider.chat(makeCall()));
      assert.equal(failure.kind, 'auth');
      assert.equal(failure.status, 401);
      const shown = [
        failure.message,
        String(failure),
        JSON.stringify(failure),
        inspect(failure, { depth: 10 }),
        failure.stack,
      ].join('\n');
      for (const trace of [API_KEY, '****1234', 'sk-proj', 'Incorrect API key']) {
        assert.equal(shown.includes(trace), false, `found ${trace}`);
      }
    });

    it('400 with param, 404 model_not_found, 500, 503', async () => {
      mock.failNext(
        openaiFaults.badParam('top_p'),
        openaiFaults.modelNotFound(),
        openaiFaults.serverError(),
        openaiFaults.overloaded(),
      );
      const bad = await expectFailure(provider.chat(makeCall()));
      assert.deepEqual([bad.kind, bad.param, bad.code], ['bad_request', 'top_p', 'decimal_above_max_value']);
      const missing = await expectFailure(provider.chat(makeCall()));
      assert.deepEqual([missing.kind, missing.code], ['not_found', 'model_not_found']);
      assert.equal((await expectFailure(provider.chat(makeCall()))).kind, 'server');
      assert.equal((await expectFailure(provider.chat(makeCall()))).kind, 'overloaded');
    });

    it('a dropped connection → network', async () => {
      mock.failNext({ kind: 'drop' });
      const failure = await expectFailure(provider.chat(makeCall()));
      assert.equal(failure.kind, 'network');
      assert.equal(failure.status, undefined);
    });

    it('an upstream that does not answer is abandoned when the call is aborted (routing owns the timers)', async () => {
      mock.failNext({ kind: 'hang' });
      const started = Date.now();
      const reason = new Error('attempt timed out');
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 150);
      await assert.rejects(
        provider.chat(makeCall({ signal: controller.signal })),
        (error: unknown) => error === reason,
      );
      assert.ok(Date.now() - started < 2000);
      await waitFor(() => mock.inFlight === 0);
    });

    it('an error status on a stream request is thrown by chat() itself', async () => {
      mock.failNext(openaiFaults.overloaded());
      const failure = await expectFailure(provider.chat(makeCall({ stream: true })));
      assert.equal(failure.kind, 'overloaded');
    });
  });

  describe('streams', () => {
    it('passes the chunks through in order, as the upstream sent them', async () => {
      const result = asStream(await provider.chat(makeCall({ stream: true })));
      const chunks = await collectChunks(result.chunks);
      assert.equal(chunks.length, 5);
      assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '', refusal: null });
      assert.deepEqual(
        chunks.map((chunk) => chunk.choices[0]?.delta.content ?? null),
        ['', 'Hello', ' from', ' OpenAI.', null],
      );
      assert.equal(chunks[4]?.choices[0]?.finish_reason, 'stop');
      assert.equal(typeof chunks[0]?.obfuscation, 'string', 'fields are passed on untouched');
      assert.deepEqual(result.rateLimit?.remainingRequests, 9999);
      const body = requestBody(mock);
      assert.equal(body.stream, true);
      assert.equal(body.model, 'gpt-4o-mini');
      assert.equal('stream_options' in body, false);
    });

    it('include_usage: asked upstream when routing wants it, giving a final usage chunk', async () => {
      const request: ChatRequest = {
        model: 'alias',
        messages,
        stream: true,
        stream_options: { include_obfuscation: false },
      };
      const result = asStream(await provider.chat(makeCall({ stream: true, includeUsage: true }, request)));
      const chunks = await collectChunks(result.chunks);
      assert.deepEqual(requestBody(mock).stream_options, { include_obfuscation: false, include_usage: true });
      assert.deepEqual(request.stream_options, { include_obfuscation: false });
      const last = chunks.at(-1);
      assert.deepEqual(last?.choices, []);
      assert.equal(last?.usage?.total_tokens, 16);
      assert.equal(chunks[0]?.usage, null);
    });

    it('include_usage: not asked when routing does not want it, even if the client did', async () => {
      const request: ChatRequest = { model: 'alias', messages, stream: true, stream_options: { include_usage: true } };
      const chunks = await collectChunks(
        asStream(await provider.chat(makeCall({ stream: true, includeUsage: false }, request))).chunks,
      );
      assert.equal('stream_options' in requestBody(mock), false);
      assert.equal(
        chunks.some((chunk) => chunk.choices.length === 0),
        false,
      );
    });

    it('a JSON call for a streaming client request sends stream: false', async () => {
      const request: ChatRequest = { model: 'alias', messages, stream: true, stream_options: { include_usage: true } };
      asJson(await provider.chat(makeCall({ stream: false }, request)));
      const body = requestBody(mock);
      assert.equal(body.stream, false);
      assert.equal('stream_options' in body, false);
    });

    it('chunks arrive as the upstream sends them, spread in time, not bunched', async () => {
      const delay = 60;
      mock.timing = { firstByteDelayMs: 0, chunkDelayMs: delay };
      const result = asStream(await provider.chat(makeCall({ stream: true })));
      const arrivals: number[] = [];
      let inFlightAtFirstChunk = -1;
      for await (const chunk of result.chunks) {
        void chunk;
        if (arrivals.length === 0) inFlightAtFirstChunk = mock.inFlight;
        arrivals.push(performance.now());
      }
      assert.equal(arrivals.length, 5);
      assert.equal(inFlightAtFirstChunk, 1, 'the first chunk arrived while the upstream was still sending');
      for (let i = 1; i < arrivals.length; i++) {
        const gap = (arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0);
        assert.ok(gap >= delay * 0.6, `gap ${i} was ${gap.toFixed(1)} ms`);
      }
    });

    it('streams tool calls through unchanged', async () => {
      mock.script = { toolCalls: [{ name: 'lookup', arguments: { q: 'switchyard' } }] };
      const chunks = await collectChunks(asStream(await provider.chat(makeCall({ stream: true }))).chunks);
      const args = chunks.map((chunk) => chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '').join('');
      assert.deepEqual(JSON.parse(args), { q: 'switchyard' });
      assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
    });

    it('an in-stream error event is thrown by the chunk iterator as an UpstreamFailure', async () => {
      mock.failNext(openaiFaults.streamServerError(2));
      const result = asStream(await provider.chat(makeCall({ stream: true })));
      const seen: ChatCompletionChunk[] = [];
      const failure = await expectFailure(
        (async () => {
          for await (const chunk of result.chunks) seen.push(chunk);
        })(),
      );
      assert.equal(seen.length, 2);
      assert.equal(failure.kind, 'server');
      assert.equal(failure.code, 'server_error');
      assert.equal(failure.status, undefined);
    });

    it('an overloaded error event inside the stream → overloaded', async () => {
      mock.failNext({
        kind: 'stream-error',
        afterEvents: 1,
        error: openaiError(200, 'The server is overloaded', 'service_unavailable_error', 'server_is_overloaded'),
      });
      const result = asStream(await provider.chat(makeCall({ stream: true })));
      const failure = await expectFailure(collectChunks(result.chunks));
      assert.equal(failure.kind, 'overloaded');
    });

    it('a stream cut mid-way → stream_interrupted', async () => {
      // Spaced out so the first events are read before the cut. The mock destroys the socket right after
      // writing event N-1, which can discard that last write before it leaves the server, hence 1 or 2 below.
      mock.timing = { firstByteDelayMs: 0, chunkDelayMs: 20 };
      mock.failNext({ kind: 'cut', afterEvents: 2 });
      const result = asStream(await provider.chat(makeCall({ stream: true })));
      const seen: ChatCompletionChunk[] = [];
      const failure = await expectFailure(
        (async () => {
          for await (const chunk of result.chunks) seen.push(chunk);
        })(),
      );
      assert.equal(failure.kind, 'stream_interrupted');
      assert.ok(seen.length >= 1 && seen.length <= 2, `saw ${seen.length} chunks`);
      assert.deepEqual(seen[0]?.choices[0]?.delta, { role: 'assistant', content: '', refusal: null });
    });

    it('a malformed event → server / malformed_response', async () => {
      mock.failNext({ kind: 'malformed' });
      const result = asStream(await provider.chat(makeCall({ stream: true })));
      const failure = await expectFailure(collectChunks(result.chunks));
      assert.equal(failure.kind, 'server');
      assert.equal(failure.code, 'malformed_response');
    });
  });

  describe('cancellation', () => {
    it('breaking out of the chunk iterator aborts the upstream request', async () => {
      mock.timing = { firstByteDelayMs: 0, chunkDelayMs: 40 };
      const result = asStream(await provider.chat(makeCall({ stream: true })));
      let count = 0;
      for await (const chunk of result.chunks) {
        void chunk;
        count++;
        break;
      }
      assert.equal(count, 1);
      await waitFor(() => mock.abortedRequests === 1 && mock.inFlight === 0);
    });

    it('returning before iterating aborts the upstream request too', async () => {
      mock.timing = { firstByteDelayMs: 0, chunkDelayMs: 40 };
      const result = asStream(await provider.chat(makeCall({ stream: true })));
      await result.chunks[Symbol.asyncIterator]().return?.();
      await waitFor(() => mock.abortedRequests === 1 && mock.inFlight === 0);
    });

    it('an abort of the call’s signal mid-stream surfaces its reason and cancels upstream', async () => {
      mock.timing = { firstByteDelayMs: 0, chunkDelayMs: 40 };
      const controller = new AbortController();
      const reason = new Error('deadline passed');
      const result = asStream(await provider.chat(makeCall({ stream: true, signal: controller.signal })));
      const iterator = result.chunks[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).done, false);
      controller.abort(reason);
      await assert.rejects(
        (async () => {
          for (;;) if ((await iterator.next()).done) break;
        })(),
        (error: unknown) => error === reason,
      );
      await waitFor(() => mock.abortedRequests === 1);
    });

    it('an abort while waiting for a JSON answer rejects with the signal’s reason, unchanged', async () => {
      mock.failNext({ kind: 'hang' });
      const controller = new AbortController();
      const reason = new Error('client disconnected');
      const pending = provider.chat(makeCall({ signal: controller.signal }));
      await waitFor(() => mock.inFlight === 1);
      controller.abort(reason);
      await assert.rejects(pending, (error: unknown) => error === reason);
      await waitFor(() => mock.abortedRequests === 1 && mock.inFlight === 0);
    });

    it('an already aborted signal rejects with its reason without calling upstream', async () => {
      const controller = new AbortController();
      const reason = new Error('too late');
      controller.abort(reason);
      await assert.rejects(
        provider.chat(makeCall({ signal: controller.signal, stream: true })),
        (error: unknown) => error === reason,
      );
      assert.equal(mock.chatCalls, 0);
    });
  });
});
