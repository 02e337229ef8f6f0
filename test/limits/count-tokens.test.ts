/**
 * What a request's prompt counts (the budgets charge it, the context check compares it to the window): every
 * text of the request, OpenAI's chat framing, images by number; exact for OpenAI, scaled for Claude and Gemini;
 * the tokenizer-free bound never below the count; the model table by prefix, with overrides.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatRequest } from '../../providers/types.ts';
import {
  CLAUDE_TOKENS_PER_O200K,
  chargedTokens,
  countPromptTokens,
  countPromptTokensUpTo,
  GEMINI_TOKENS_PER_O200K,
  promptParts,
  promptTokenBound,
} from '../../src/limits/count-tokens.ts';
import { modelLimits } from '../../src/limits/model-limits.ts';
import { encodeUtf8, utf8Length } from '../../src/limits/utf8-length.ts';

const reference = (text: string) => countTokens(text, { disallowedSpecial: new Set() });
const request = (fields: Record<string, unknown>) => ({ model: 'gpt-4o', ...fields }) as unknown as ChatRequest;

const CONVERSATION = request({
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', name: 'alice', content: [{ type: 'text', text: 'What is the weather in Zürich?' }] },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Zürich"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '{"celsius": 21}' },
    {
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
      ],
    },
  ],
  tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
});

describe('prompt parts', () => {
  test('every text of the request counts; images are counted by number, their data never as text', () => {
    const parts = promptParts(CONVERSATION);
    assert.deepEqual(parts.texts, [
      'system',
      'You are a helpful assistant.',
      'user',
      'alice',
      'What is the weather in Zürich?',
      'assistant',
      'weather',
      '{"city":"Zürich"}',
      'tool',
      '{"celsius": 21}',
      'user',
      '{"name":"weather","parameters":{"type":"object"}}',
    ]);
    assert.equal(parts.messages, 5);
    assert.equal(parts.names, 1);
    assert.equal(parts.images, 1);
    assert.equal(parts.lowDetailImages, 1);
  });

  test('a JSON schema response format counts as its JSON', () => {
    const schema = { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } } };
    const parts = promptParts(request({ messages: [], response_format: { type: 'json_schema', json_schema: schema } }));
    assert.deepEqual(parts.texts, [JSON.stringify(schema)]);
  });
});

describe('countPromptTokens', () => {
  test("OpenAI: exact o200k counts plus the cookbook's framing and the images", async () => {
    const parts = promptParts(CONVERSATION);
    const texts = parts.texts.reduce((sum, text) => sum + reference(text), 0);
    const expected = texts + 5 * 3 + 1 + 3 + 765 + 85;
    assert.equal(await countPromptTokens(CONVERSATION, 'openai', 'gpt-4o'), expected);
  });

  test('the cookbook example: system + user message', async () => {
    const hello = request({
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Hello!' },
      ],
    });
    // 3 + system(1) + 6, 3 + user(1) + 2, + 3 = 19
    assert.equal(await countPromptTokens(hello, 'openai', 'gpt-4o'), 19);
  });

  test('Claude and Gemini: the o200k count scaled by the calibrated ratio, plus framing and their image sizes', async () => {
    const parts = promptParts(CONVERSATION);
    const texts = parts.texts.reduce((sum, text) => sum + reference(text), 0);
    const framing = 5 * 3 + 1 + 3;
    assert.equal(
      await countPromptTokens(CONVERSATION, 'anthropic', 'claude-sonnet-4-5'),
      Math.ceil(texts * CLAUDE_TOKENS_PER_O200K) + framing + 2 * 1600,
    );
    assert.equal(
      await countPromptTokens(CONVERSATION, 'gemini', 'gemini-2.5-flash'),
      Math.ceil(texts * GEMINI_TOKENS_PER_O200K) + framing + 2 * 258,
    );
  });

  test('the tokenizer-free bound is never below the count, for any provider', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 200 });
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 4 }), async (contents) => {
        const body = request({ messages: contents.map((content) => ({ role: 'user', content })) });
        for (const provider of ['openai', 'anthropic', 'gemini']) {
          const count = await countPromptTokens(body, provider, 'm');
          assert.ok(promptTokenBound(body, provider) >= count, `${provider}: bound below ${count}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('counting up to a limit stops past it, and a later full count is exact', async () => {
    const long = request({ messages: [{ role: 'user', content: ' word'.repeat(20_000) }] });
    const partial = await countPromptTokensUpTo(long, 'openai', 1000);
    assert.ok(partial > 1000 && partial < 1100, String(partial));
    assert.equal(await countPromptTokens(long, 'openai', 'gpt-4o'), 20_000 + 3 + 1 + 3);
  });
});

describe('chargedTokens', () => {
  const small = (fields: Record<string, unknown> = {}) =>
    request({ messages: [{ role: 'user', content: 'Hello!' }], ...fields });

  test('prompt plus max_completion_tokens, else max_tokens', async () => {
    assert.deepEqual(await chargedTokens(small({ max_completion_tokens: 800 }), 'openai', 'gpt-4o'), {
      prompt: 9,
      output: 800,
      total: 809,
    });
    assert.equal((await chargedTokens(small({ max_tokens: 300 }), 'openai', 'gpt-4o')).output, 300);
  });

  test("without a maximum: the model's output ceiling, the gateway's Anthropic default, 0 for unknown models", async () => {
    assert.equal((await chargedTokens(small(), 'openai', 'gpt-4o-mini')).output, 16_384);
    assert.equal((await chargedTokens(small(), 'anthropic', 'claude-sonnet-4-5')).output, 8192);
    assert.equal((await chargedTokens(small(), 'anthropic', 'claude-3-haiku-20240307')).output, 4096);
    assert.equal((await chargedTokens(small(), 'openai', 'llama-3-70b')).output, 0);
    assert.equal(
      (
        await chargedTokens(small(), 'openai', 'llama-3-70b', {
          'llama-3': { contextWindow: 8192, maxOutputTokens: 2048 },
        })
      ).output,
      2048,
    );
  });
});

describe('model limits', () => {
  test('longest prefix: dated snapshots, mini before the family', () => {
    assert.equal(modelLimits('gpt-4o-mini-2024-07-18')?.contextWindow, 128_000);
    assert.equal(modelLimits('gpt-4.1-nano')?.contextWindow, 1_047_576);
    assert.equal(modelLimits('o3-mini')?.maxOutputTokens, 100_000);
    assert.equal(modelLimits('claude-3-haiku-20240307')?.maxOutputTokens, 4096);
    assert.equal(modelLimits('claude-sonnet-4-5-20250929')?.contextWindow, 200_000);
    assert.equal(modelLimits('gemini-1.5-pro-002')?.contextWindow, 2_097_152);
    assert.equal(modelLimits('llama-3-70b'), undefined);
  });

  test('an override wins by prefix, and a partial one keeps the default of the other field', () => {
    const overrides = { 'claude-sonnet-4': { contextWindow: 1_000_000 }, 'my-model': { contextWindow: 32_768 } };
    assert.deepEqual(modelLimits('claude-sonnet-4-5-20250929', overrides), {
      contextWindow: 1_000_000,
      maxOutputTokens: 64_000,
    });
    assert.deepEqual(modelLimits('my-model-v2', overrides), { contextWindow: 32_768, maxOutputTokens: 32_768 });
    assert.equal(modelLimits('other', { other: { maxOutputTokens: 10 } }), undefined, 'no window, no limits');
  });
});

describe('UTF-8 sizes', () => {
  test('utf8Length and encodeUtf8 agree with TextEncoder, lone surrogates included', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), fc.nat(5), fc.nat(5), (text, skip, drop) => {
        const bytes = encoder.encode(text);
        assert.equal(utf8Length(text), bytes.length);
        // A range of the text, written after two bytes already in the buffer: as TextEncoder encodes the slice.
        const from = Math.min(skip, text.length);
        const to = Math.max(from, text.length - drop);
        const slice = encoder.encode(text.slice(from, to));
        const out = new Uint8Array(2 + 3 * text.length);
        assert.equal(encodeUtf8(text, from, to, out, 2), 2 + slice.length);
        assert.deepEqual(out.subarray(2, 2 + slice.length), slice);
      }),
      { numRuns: 2000 },
    );
    const out = new Uint8Array(8);
    const split = 'a\ud83d\ude00b'; // a surrogate pair cut by the range: its half is a lone surrogate
    assert.equal(encodeUtf8(split, 0, 2, out, 0), 4);
    assert.deepEqual(out.subarray(0, 4), encoder.encode('a\ud83d'));
  });
});
