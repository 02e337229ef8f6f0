/**
 * The Vercel AI SDK (`ai` + `@ai-sdk/openai-compatible`) and LangChain's `ChatOpenAI` get the same answers,
 * streams and tool calls through the gateway whichever provider serves.
 */

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { anthropicError } from '../../mocks/anthropic-mock.ts';
import { openaiFaults } from '../../mocks/openai-mock.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ random: () => 0 });
});
after(() => h.close());
beforeEach(() => h.reset());

const expected = {
  openai: 'Hello from OpenAI.',
  anthropic: 'Hello from Claude.',
  gemini: 'Hello from Gemini.',
} as const;
type Name = keyof typeof expected;

function route(h: Harness, to: Name): void {
  if (to !== 'openai') h.openai.failAlways(openaiFaults.serverError());
  if (to === 'gemini')
    h.anthropic.failAlways({
      kind: 'status',
      status: 529,
      body: anthropicError(529, 'overloaded_error', 'Overloaded'),
    });
}

const weatherParameters = {
  type: 'object' as const,
  properties: { city: { type: 'string' as const } },
  required: ['city'],
  additionalProperties: false,
};

for (const provider of ['openai', 'anthropic', 'gemini'] as const) {
  describe(`Vercel AI SDK, ${provider} serving`, () => {
    const model = () =>
      createOpenAICompatible({ name: 'switchyard', baseURL: h.baseURL, apiKey: 'any', includeUsage: true }).chatModel(
        'gpt-4o-mini',
      );

    test('generateText', async () => {
      route(h, provider);
      const result = await generateText({ model: model(), prompt: 'Hi', maxRetries: 0 });
      assert.equal(result.text, expected[provider]);
      assert.equal(result.finishReason, 'stop');
      assert.ok((result.usage.inputTokens ?? 0) > 0);
    });

    test('streamText', async () => {
      route(h, provider);
      const result = streamText({ model: model(), prompt: 'Hi', maxRetries: 0 });
      const parts: string[] = [];
      for await (const part of result.textStream) parts.push(part);
      assert.equal(parts.join(''), expected[provider]);
      assert.ok(parts.length >= 2, 'arrives in several parts');
      assert.equal(await result.finishReason, 'stop');
    });

    test('tool calls', async () => {
      route(h, provider);
      for (const mock of h.mocks) mock.script = { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] };
      const result = await generateText({
        model: model(),
        prompt: 'Weather in Oslo?',
        maxRetries: 0,
        tools: {
          get_weather: tool({
            description: 'Weather for a city',
            inputSchema: jsonSchema<{ city: string }>(weatherParameters),
          }),
        },
      });
      assert.equal(result.finishReason, 'tool-calls');
      assert.equal(result.toolCalls[0]?.toolName, 'get_weather');
      assert.deepEqual(result.toolCalls[0]?.input, { city: 'Oslo' });
    });
  });

  describe(`LangChain ChatOpenAI, ${provider} serving`, () => {
    const chat = (streaming = false) =>
      new ChatOpenAI({
        model: 'gpt-4o-mini',
        apiKey: 'any',
        configuration: { baseURL: h.baseURL },
        maxRetries: 0,
        streaming,
      });

    test('invoke', async () => {
      route(h, provider);
      const message = await chat().invoke('Hi');
      assert.equal(message.content, expected[provider]);
      assert.ok((message.usage_metadata?.total_tokens ?? 0) > 0);
    });

    test('stream', async () => {
      route(h, provider);
      const pieces: string[] = [];
      for await (const chunk of await chat(true).stream('Hi'))
        pieces.push(typeof chunk.content === 'string' ? chunk.content : '');
      assert.equal(pieces.join(''), expected[provider]);
    });

    test('tool calls', async () => {
      route(h, provider);
      for (const mock of h.mocks) mock.script = { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] };
      const bound = chat().bindTools([
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather for a city', parameters: weatherParameters },
        },
      ]);
      const message = await bound.invoke('Weather in Oslo?');
      assert.equal(message.tool_calls?.[0]?.name, 'get_weather');
      assert.deepEqual(message.tool_calls?.[0]?.args, { city: 'Oslo' });
      assert.ok(message.tool_calls?.[0]?.id);
    });
  });
}
