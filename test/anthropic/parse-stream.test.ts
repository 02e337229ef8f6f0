import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import { parseStream } from '../../providers/anthropic/parse-stream.ts';
import { createThinkingMemory } from '../../providers/anthropic/thinking-memory.ts';
import type { ChatCompletionChunk } from '../../providers/types.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';
import { message, usage } from './fixtures.ts';

const NOW = Date.UTC(2026, 10, 2, 10, 0, 0);
const ID = 'chatcmpl-01XFDUDYJgAACzvnptvVoYEL';

async function* from(events: RawMessageStreamEvent[]): AsyncGenerator<RawMessageStreamEvent> {
  for (const event of events) yield event;
}

async function collect(events: RawMessageStreamEvent[], includeUsage = false): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of parseStream(from(events), { includeUsage, model: 'requested-model', now: NOW }))
    chunks.push(chunk);
  return chunks;
}

const start: RawMessageStreamEvent = {
  type: 'message_start',
  message: message([], null, { usage: usage({ input_tokens: 25, output_tokens: 1, cache_read_input_tokens: 5 }) }),
};

function textBlock(index: number, pieces: string[]): RawMessageStreamEvent[] {
  return [
    { type: 'content_block_start', index, content_block: { type: 'text', text: '', citations: null } },
    ...pieces.map(
      (text): RawMessageStreamEvent => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }),
    ),
    { type: 'content_block_stop', index },
  ];
}

function toolBlock(index: number, id: string, name: string, fragments: string[]): RawMessageStreamEvent[] {
  return [
    {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id, name, input: {}, caller: { type: 'direct' } },
    },
    ...fragments.map(
      (partial_json): RawMessageStreamEvent => ({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json },
      }),
    ),
    { type: 'content_block_stop', index },
  ];
}

function end(stopReason: 'end_turn' | 'tool_use' | 'max_tokens', outputTokens: number): RawMessageStreamEvent[] {
  return [
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null, stop_details: null, container: null },
      usage: {
        output_tokens: outputTokens,
        input_tokens: null,
        cache_read_input_tokens: null,
        cache_creation_input_tokens: null,
        output_tokens_details: null,
        server_tool_use: null,
      },
    },
    { type: 'message_stop' },
  ];
}

function base(choices: ChatCompletionChunk['choices']): ChatCompletionChunk {
  return { id: ID, object: 'chat.completion.chunk', created: NOW / 1000, model: 'claude-sonnet-4-6', choices };
}

function deltaChunk(
  delta: ChatCompletionChunk.Choice.Delta,
  finishReason: ChatCompletionChunk.Choice['finish_reason'] = null,
) {
  return base([{ index: 0, delta, logprobs: null, finish_reason: finishReason }]);
}

describe('parseStream', () => {
  it('turns a text stream into OpenAI chunks: role first, text deltas, finish chunk', async () => {
    const chunks = await collect([start, ...textBlock(0, ['Hello', ' there', '.']), ...end('end_turn', 9)]);
    assert.deepEqual(chunks, [
      deltaChunk({ role: 'assistant', content: '' }),
      deltaChunk({ content: 'Hello' }),
      deltaChunk({ content: ' there' }),
      deltaChunk({ content: '.' }),
      deltaChunk({}, 'stop'),
    ]);
  });

  it('adds usage: null to every chunk and ends with a choices: [] usage chunk when asked', async () => {
    const chunks = await collect([start, ...textBlock(0, ['Hi']), ...end('max_tokens', 9)], true);
    assert.equal(chunks.length, 4);
    for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage, null);
    assert.equal(chunks[2]?.choices[0]?.finish_reason, 'length');
    assert.deepEqual(chunks[3], {
      ...base([]),
      usage: {
        prompt_tokens: 30,
        completion_tokens: 9,
        total_tokens: 39,
        prompt_tokens_details: { cached_tokens: 5, cache_write_tokens: 0 },
      },
    });
  });

  it('streams tool calls with 0-based indexes among tool calls, skipping the empty first fragment; a call without arguments closes as {}', async () => {
    const chunks = await collect([
      start,
      ...textBlock(0, ['Checking.']),
      ...toolBlock(1, 'toolu_01A', 'get_weather', ['', '{"city"', ': "Paris"}']),
      ...toolBlock(2, 'toolu_01B', 'now', ['']),
      ...end('tool_use', 30),
    ]);
    assert.deepEqual(chunks, [
      deltaChunk({ role: 'assistant', content: '' }),
      deltaChunk({ content: 'Checking.' }),
      deltaChunk({
        tool_calls: [{ index: 0, id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '' } }],
      }),
      deltaChunk({ tool_calls: [{ index: 0, function: { arguments: '{"city"' } }] }),
      deltaChunk({ tool_calls: [{ index: 0, function: { arguments: ': "Paris"}' } }] }),
      deltaChunk({
        tool_calls: [{ index: 1, id: 'toolu_01B', type: 'function', function: { name: 'now', arguments: '' } }],
      }),
      deltaChunk({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
      deltaChunk({}, 'tool_calls'),
    ]);
  });

  it('reports tool_calls when the turn ended with end_turn but called tools', async () => {
    const chunks = await collect([start, ...toolBlock(0, 'toolu_01A', 'f', ['{}']), ...end('end_turn', 3)]);
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('sends tool input that arrived whole in content_block_start', async () => {
    const chunks = await collect([
      start,
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_01A', name: 'f', input: { a: 1 }, caller: { type: 'direct' } },
      },
      { type: 'content_block_stop', index: 0 },
      ...end('tool_use', 3),
    ]);
    assert.deepEqual(chunks[2], deltaChunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }));
  });

  it('ignores thinking blocks and their deltas', async () => {
    const chunks = await collect([
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
      { type: 'content_block_stop', index: 0 },
      ...textBlock(1, ['42']),
      ...end('end_turn', 3),
    ]);
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices[0]?.delta),
      [{ role: 'assistant', content: '' }, { content: '42' }, {}],
    );
  });

  it('fails with stream_interrupted when the stream ends before message_stop', async () => {
    await assert.rejects(collect([start, ...textBlock(0, ['Hel'])]), (error: unknown) => {
      assert.ok(error instanceof UpstreamFailure);
      assert.equal(error.kind, 'stream_interrupted');
      assert.equal(error.provider, 'anthropic');
      return true;
    });
    await assert.rejects(collect([]), UpstreamFailure);
  });

  it('lets an error thrown by the event source propagate after the chunks already sent', async () => {
    const seen: ChatCompletionChunk[] = [];
    async function* failing(): AsyncGenerator<RawMessageStreamEvent> {
      yield start;
      throw new Error('boom');
    }
    await assert.rejects(async () => {
      for await (const chunk of parseStream(failing(), { includeUsage: false, model: 'm' })) seen.push(chunk);
    }, /boom/);
    assert.equal(seen.length, 1);
  });

  it('still opens with the role chunk when events come without message_start', async () => {
    const chunks = await collect([...textBlock(0, ['x']), ...end('end_turn', 1)]);
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    assert.equal(chunks[0]?.model, 'requested-model');
    assert.ok(chunks.every((chunk) => chunk.id === chunks[0]?.id));
  });
});

describe('parseStream: protocol breaks and the new fields', () => {
  async function failure(events: RawMessageStreamEvent[]): Promise<UpstreamFailure> {
    try {
      await collect(events);
    } catch (error) {
      assert.ok(error instanceof UpstreamFailure);
      return error;
    }
    assert.fail('the stream was accepted');
  }
  const thinking = (index: number, text: string, signature: string): RawMessageStreamEvent[] => [
    { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } },
    { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: text } },
    { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature } },
    { type: 'content_block_stop', index },
  ];

  it('a tool call cut before its arguments close is stream_interrupted / protocol_violation, not a finish', async () => {
    const cut = await failure([start, ...toolBlock(0, 'toolu_01A', 'f', ['{"city": "Par']), ...end('tool_use', 3)]);
    assert.equal(cut.kind, 'stream_interrupted');
    assert.equal(cut.code, 'protocol_violation');
    assert.match(cut.message, /toolu_01A/);
  });

  it('an unknown event inside a block breaks the stream; between blocks it is ignored', async () => {
    const [open, ...rest] = textBlock(0, ['Hi']);
    const unknown = { type: 'content_block_pause', index: 0 } as unknown as RawMessageStreamEvent;
    const inside = await failure([start, open!, unknown, ...rest, ...end('end_turn', 1)]);
    assert.equal(inside.code, 'protocol_violation');
    const between = await collect([start, ...textBlock(0, ['Hi']), unknown, ...end('end_turn', 1)]);
    assert.equal(between.at(-1)?.choices[0]?.finish_reason, 'stop');
  });

  it('message_stop while a block is open, and a different message_start, are protocol breaks', async () => {
    const [open] = textBlock(0, ['Hi']);
    assert.equal((await failure([start, open!, { type: 'message_stop' }])).code, 'protocol_violation');
    const other: RawMessageStreamEvent = { type: 'message_start', message: message([], null, { id: 'msg_other' }) };
    assert.equal(
      (await failure([start, ...textBlock(0, ['Hi']), other, ...end('end_turn', 1)])).code,
      'protocol_violation',
    );
  });

  it('thinking is reasoning_content only when asked for; the turn that calls tools leaves its blocks in memory', async () => {
    const events = [
      start,
      ...thinking(0, 'Let me look.', 'sig-1'),
      ...toolBlock(1, 'toolu_01A', 'f', ['{}']),
      ...end('tool_use', 9),
    ];
    const memory = createThinkingMemory();
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of parseStream(from(events), {
      includeUsage: false,
      model: 'claude-x',
      includeReasoning: true,
      thinkingMemory: memory,
      now: NOW,
    })) {
      chunks.push(chunk);
    }
    assert.deepEqual(chunks[1]?.choices[0]?.delta, { reasoning_content: 'Let me look.' });
    assert.deepEqual(memory.get('toolu_01A'), {
      model: 'claude-x',
      blocks: [{ type: 'thinking', thinking: 'Let me look.', signature: 'sig-1' }],
    });
    const plain = await collect(events);
    assert.ok(plain.every((chunk) => !('reasoning_content' in (chunk.choices[0]?.delta ?? {}))));
  });
});
