import assert from 'node:assert/strict';
import { test } from 'node:test';
import { carriesToken } from '../../providers/shared/carries-token.ts';
import type { ChatCompletionChunk } from '../../providers/types.ts';
import { collectCompletion } from '../../src/routing/collect-completion.ts';

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk' as const, created: 1, model: 'm' };

test('rebuilds a completion with text, parallel tool calls and usage from chunks', () => {
  const chunks: ChatCompletionChunk[] = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] },
    {
      ...base,
      choices: [
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] },
          finish_reason: null,
        },
      ],
    },
    {
      ...base,
      choices: [
        {
          index: 0,
          delta: {
            tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }],
          },
          finish_reason: null,
        },
      ],
    },
    {
      ...base,
      choices: [
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }, finish_reason: null },
      ],
    },
    {
      ...base,
      choices: [
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '1}' } }] }, finish_reason: null },
      ],
    },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    { ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } },
  ];
  const completion = collectCompletion(chunks);
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.id, 'chatcmpl-1');
  const choice = completion.choices[0]!;
  assert.equal(choice.message.content, 'Hello');
  assert.deepEqual(choice.message.tool_calls, [
    { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
    { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } },
  ]);
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.deepEqual(completion.usage, { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
});

test('a stream without a finish reason is never reported as a clean stop', () => {
  const completion = collectCompletion([
    { ...base, choices: [{ index: 0, delta: { content: 'cut' }, finish_reason: null }] },
  ]);
  assert.equal(completion.choices[0]?.finish_reason, 'length');
});

test('the role-only opening chunk is not a token; content, tool calls, finish and usage are', () => {
  assert.equal(
    carriesToken({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
    false,
  );
  assert.equal(carriesToken({ ...base, choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] }), true);
  assert.equal(carriesToken({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }), true);
  assert.equal(
    carriesToken({
      ...base,
      choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c' }] }, finish_reason: null }],
    }),
    true,
  );
  assert.equal(
    carriesToken({ ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
    true,
  );
});
