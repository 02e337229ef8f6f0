import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import { convertResponse } from '../../providers/anthropic/convert-response.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';
import { message, text, toolUse, usage } from './fixtures.ts';

const NOW = Date.UTC(2026, 10, 2, 10, 0, 0);

describe('convertResponse', () => {
  it('turns a text message into an OpenAI chat.completion', () => {
    const body = convertResponse(message([text('Hello'), text(' there.')]), { now: NOW });
    assert.deepEqual(body, {
      id: 'chatcmpl-01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      created: NOW / 1000,
      model: 'claude-sonnet-4-6',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello there.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      },
    });
  });

  it('turns tool_use blocks into tool_calls keeping the toolu_ ids, content null without text', () => {
    const body = convertResponse(
      message([toolUse('toolu_01A', 'get_weather', { city: 'Paris' }), toolUse('toolu_01B', 'now', {})], 'tool_use'),
    );
    const choice = body.choices[0];
    assert.equal(choice?.message.content, null);
    assert.deepEqual(choice?.message.tool_calls, [
      { id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'toolu_01B', type: 'function', function: { name: 'now', arguments: '{}' } },
    ]);
    assert.equal(choice?.finish_reason, 'tool_calls');
  });

  it('keeps text next to tool calls and reports tool_calls even when the stop reason is end_turn', () => {
    const body = convertResponse(message([text('Let me check.'), toolUse('toolu_01A', 'f', { a: 1 })], 'end_turn'));
    assert.equal(body.choices[0]?.message.content, 'Let me check.');
    assert.equal(body.choices[0]?.finish_reason, 'tool_calls');
  });

  it('leaves out blocks that are not part of an OpenAI answer', () => {
    const body = convertResponse(
      message([
        { type: 'thinking', thinking: 'hmm', signature: 'sig' },
        { type: 'redacted_thinking', data: 'x' },
        text('42'),
      ]),
    );
    assert.equal(body.choices[0]?.message.content, '42');
    assert.equal('tool_calls' in (body.choices[0]?.message ?? {}), false);
  });

  it('reports the model that answered and mints an id when the message has none', () => {
    const body = convertResponse(message([text('x')], 'max_tokens', { id: '', model: 'claude-opus-4-8' }));
    assert.match(body.id, /^chatcmpl-[0-9a-f]{32}$/);
    assert.equal(body.model, 'claude-opus-4-8');
    assert.equal(body.choices[0]?.finish_reason, 'length');
  });

  it('converts usage with cache reads and writes', () => {
    const body = convertResponse(
      message([text('x')], 'end_turn', {
        usage: usage({
          input_tokens: 20,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: 30,
          output_tokens: 7,
        }),
      }),
    );
    assert.deepEqual(body.usage, {
      prompt_tokens: 150,
      completion_tokens: 7,
      total_tokens: 157,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 30 },
    });
  });

  it('fails with malformed_response when a 200 did not carry a message', () => {
    const notMessages: unknown[] = ['<html>proxy</html>', null, { type: 'message' }];
    for (const value of notMessages) {
      assert.throws(
        () => convertResponse(value as Message),
        (error: unknown) =>
          error instanceof UpstreamFailure && error.kind === 'server' && error.code === 'malformed_response',
      );
    }
  });
});
