import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApiError, GoogleGenAI } from '@google/genai';
import { geminiError, geminiFaults, startGeminiMock } from '../../mocks/gemini-mock.ts';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';

const KEY = 'AIzaMOCKgeminiKEY0123456789abcdefghijk';
const WEATHER_TOOL = {
  functionDeclarations: [
    { name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } },
  ],
};

describe('gemini mock, driven by @google/genai', () => {
  let mock: MockUpstream;
  let ai: GoogleGenAI;

  before(async () => {
    mock = await startGeminiMock();
    ai = new GoogleGenAI({ apiKey: KEY, vertexai: false, httpOptions: { baseUrl: mock.url, apiVersion: 'v1beta' } });
  });
  after(async () => {
    await mock.close();
  });
  beforeEach(() => {
    mock.reset();
  });

  it('answers generateContent with the default script in Gemini wire format', async () => {
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hi' });
    assert.equal(response.text, 'Hello from Gemini.');
    const candidate = response.candidates?.[0];
    assert.equal(candidate?.finishReason, 'STOP');
    assert.equal(candidate?.content?.role, 'model');
    assert.equal(candidate?.index, 0);
    assert.equal(response.modelVersion, 'gemini-2.5-flash');
    assert.ok(response.responseId);
    assert.deepEqual(
      {
        prompt: response.usageMetadata?.promptTokenCount,
        candidates: response.usageMetadata?.candidatesTokenCount,
        total: response.usageMetadata?.totalTokenCount,
      },
      { prompt: 8, candidates: 3, total: 11 },
    );
    assert.equal(mock.requests[0]?.path, '/v1beta/models/gemini-2.5-flash:generateContent');
  });

  it('receives the key in x-goog-api-key and never in the URL', async () => {
    await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hi' });
    const request = mock.requests[0];
    assert.equal(request?.headers['x-goog-api-key'], KEY);
    assert.ok(!request?.path.includes(KEY));
    assert.ok(!request?.path.includes('key='));
  });

  it('streams text split across SSE chunks with cumulative usage and the finish reason on the last', async () => {
    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'Hi',
      config: { automaticContinuation: false },
    })) {
      chunks.push(chunk);
    }
    assert.deepEqual(
      chunks.map((chunk) => chunk.text),
      ['Hello', ' from', ' Gemini.'],
    );
    assert.deepEqual(
      chunks.map((chunk) => chunk.candidates?.[0]?.finishReason),
      [undefined, undefined, 'STOP'],
    );
    assert.deepEqual(
      chunks.map((chunk) => chunk.usageMetadata?.candidatesTokenCount),
      [1, 2, 3],
    );
    assert.ok(chunks.every((chunk) => chunk.usageMetadata?.promptTokenCount === 8));
    assert.equal(new Set(chunks.map((chunk) => chunk.responseId)).size, 1);
    assert.equal(mock.requests[0]?.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('renders function calls whole, without ids, only when the request declares tools', async () => {
    const script = { text: [], toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
    mock.script = script;
    const withTools = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Weather?',
      config: { tools: [WEATHER_TOOL] },
    });
    assert.deepEqual(withTools.functionCalls, [{ name: 'get_weather', args: { city: 'Paris' } }]);
    assert.equal(withTools.candidates?.[0]?.finishReason, 'STOP');

    mock.script = script;
    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'Weather?',
      config: { tools: [WEATHER_TOOL], automaticContinuation: false },
    })) {
      chunks.push(chunk);
    }
    assert.equal(chunks.length, 1);
    assert.deepEqual(chunks[0]?.functionCalls, [{ name: 'get_weather', args: { city: 'Paris' } }]);

    mock.script = script;
    const withoutTools = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Weather?' });
    assert.equal(withoutTools.functionCalls, undefined);
  });

  it('maps the neutral finish to Gemini reasons and sends native ones verbatim', async () => {
    mock.script = { text: ['cut'], finish: 'length' };
    assert.equal(
      (await ai.models.generateContent({ model: 'm', contents: 'x' })).candidates?.[0]?.finishReason,
      'MAX_TOKENS',
    );
    mock.script = { text: ['no'], finish: 'content_filter' };
    assert.equal(
      (await ai.models.generateContent({ model: 'm', contents: 'x' })).candidates?.[0]?.finishReason,
      'SAFETY',
    );
    mock.script = { text: ['?'], nativeFinish: 'MALFORMED_FUNCTION_CALL' };
    assert.equal(
      (await ai.models.generateContent({ model: 'm', contents: 'x' })).candidates?.[0]?.finishReason,
      'MALFORMED_FUNCTION_CALL',
    );
  });

  it('reports cached tokens', async () => {
    mock.script = { text: ['ok'], usage: { input: 100, output: 1, cached: 64 } };
    const response = await ai.models.generateContent({ model: 'm', contents: 'x' });
    assert.equal(response.usageMetadata?.cachedContentTokenCount, 64);
  });

  it('answers errors with the Gemini envelope; the SDK ApiError carries the status', async () => {
    mock.failNext(geminiFaults.rateLimited({ retryDelay: '58s' }));
    const error = await ai.models.generateContent({ model: 'm', contents: 'x' }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 429);
    const body: unknown = JSON.parse(error.message);
    assert.equal((body as { error: { status: string } }).error.status, 'RESOURCE_EXHAUSTED');
    assert.match(error.message, /google\.rpc\.RetryInfo.*"retryDelay":"58s"/);

    mock.failNext(geminiFaults.apiKeyInvalid());
    const invalid = await ai.models.generateContent({ model: 'm', contents: 'x' }).catch((caught: unknown) => caught);
    assert.ok(invalid instanceof ApiError);
    assert.equal(invalid.status, 400);
    assert.match(invalid.message, /API_KEY_INVALID/);
  });

  it('builds the exact error envelope', () => {
    assert.deepEqual(geminiError(503, 'UNAVAILABLE', 'busy'), {
      error: { code: 503, message: 'busy', status: 'UNAVAILABLE' },
    });
    assert.deepEqual(geminiError(429, 'RESOURCE_EXHAUSTED', 'slow down', [{ '@type': 'x' }]), {
      error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'x' }] },
    });
  });

  it('sends an in-stream error event that the SDK raises as an ApiError with its status', async () => {
    mock.failNext(geminiFaults.streamError(1));
    const texts: Array<string | undefined> = [];
    const error = await (async () => {
      for await (const chunk of await ai.models.generateContentStream({
        model: 'm',
        contents: 'x',
        config: { automaticContinuation: false },
      })) {
        texts.push(chunk.text);
      }
    })().catch((caught: unknown) => caught);
    assert.deepEqual(texts, ['Hello']);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 503);
  });

  it('serves the v1 surface too and 404s unknown paths with the envelope', async () => {
    const v1 = new GoogleGenAI({ apiKey: KEY, vertexai: false, httpOptions: { baseUrl: mock.url, apiVersion: 'v1' } });
    assert.equal(
      (await v1.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' })).text,
      'Hello from Gemini.',
    );
    const response = await fetch(`${mock.url}/v1beta/models/m:countTokens`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { status: string } }).error.status, 'NOT_FOUND');
  });
});
