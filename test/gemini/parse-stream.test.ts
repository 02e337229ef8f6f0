import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockedReason, FinishReason } from '@google/genai';
import type { GeminiResponse } from '../../providers/gemini/convert-response.ts';
import { parseGeminiStream, type StreamContext } from '../../providers/gemini/parse-stream.ts';
import type { ChatCompletionChunk } from '../../providers/types.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';

let minted = 0;
const base: StreamContext = {
  model: 'gemini-2.5-flash',
  includeUsage: false,
  includeLogprobs: false,
  created: 1_767_225_600,
  mintToolCallId: () => `call_${++minted}`,
};

async function* from(responses: GeminiResponse[]): AsyncGenerator<GeminiResponse> {
  for (const response of responses) yield response;
}

async function parse(
  responses: GeminiResponse[],
  context: Partial<StreamContext> = {},
): Promise<ChatCompletionChunk[]> {
  minted = 0;
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of parseGeminiStream(from(responses), { ...base, ...context })) out.push(chunk);
  return out;
}

const text = (value: string, extra: Partial<GeminiResponse> = {}, finishReason?: FinishReason): GeminiResponse => ({
  candidates: [
    { index: 0, content: { role: 'model', parts: [{ text: value }] }, ...(finishReason ? { finishReason } : {}) },
  ],
  modelVersion: 'gemini-2.5-flash',
  responseId: 'r1',
  ...extra,
});

const usage = (candidates: number) => ({
  usageMetadata: { promptTokenCount: 6, candidatesTokenCount: candidates, totalTokenCount: 6 + candidates },
});

describe('parseGeminiStream', () => {
  it('emits OpenAI chunks in the exact sequence: role, deltas, finish', async () => {
    const chunks = await parse([text('Hel'), text('lo', {}, FinishReason.STOP)]);
    assert.deepEqual(chunks, [
      {
        id: 'chatcmpl-r1',
        object: 'chat.completion.chunk',
        created: 1_767_225_600,
        model: 'gemini-2.5-flash',
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      },
      {
        id: 'chatcmpl-r1',
        object: 'chat.completion.chunk',
        created: 1_767_225_600,
        model: 'gemini-2.5-flash',
        choices: [{ index: 0, delta: { content: 'Hel' }, logprobs: null, finish_reason: null }],
      },
      {
        id: 'chatcmpl-r1',
        object: 'chat.completion.chunk',
        created: 1_767_225_600,
        model: 'gemini-2.5-flash',
        choices: [{ index: 0, delta: { content: 'lo' }, logprobs: null, finish_reason: null }],
      },
      {
        id: 'chatcmpl-r1',
        object: 'chat.completion.chunk',
        created: 1_767_225_600,
        model: 'gemini-2.5-flash',
        choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
      },
    ]);
  });

  it('keeps one id and model for the whole stream, taken from the first chunk', async () => {
    const chunks = await parse([
      text('a', { responseId: 'first', modelVersion: 'gemini-2.5-flash-002' }),
      text('b', { responseId: 'second', modelVersion: 'other' }, FinishReason.STOP),
    ]);
    assert.ok(chunks.every((chunk) => chunk.id === 'chatcmpl-first' && chunk.model === 'gemini-2.5-flash-002'));
  });

  it('adds usage: null to every chunk and a final usage chunk from the last (cumulative) metadata', async () => {
    const chunks = await parse([text('a', usage(1)), text('b', usage(2)), text('', usage(3), FinishReason.STOP)], {
      includeUsage: true,
    });
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null));
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices[0]?.delta),
      [{ role: 'assistant', content: '' }, { content: 'a' }, { content: 'b' }, {}, undefined],
    );
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.deepEqual(last?.usage, {
      prompt_tokens: 6,
      completion_tokens: 3,
      total_tokens: 9,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('has no usage field at all without includeUsage', async () => {
    const chunks = await parse([text('a', usage(1), FinishReason.STOP)]);
    assert.ok(chunks.every((chunk) => !('usage' in chunk)));
  });

  it('streams whole function calls as tool_calls deltas with 0-based indexes across the stream, then tool_calls', async () => {
    const chunks = await parse([
      text('Checking.'),
      {
        candidates: [
          {
            index: 0,
            content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
          },
        ],
      },
      {
        candidates: [
          {
            index: 0,
            content: {
              role: 'model',
              parts: [{ functionCall: { id: 'gem-9', name: 'get_time', args: {} } }, { text: '' }],
            },
            finishReason: FinishReason.STOP,
          },
        ],
      },
    ]);
    assert.deepEqual(
      chunks.map((chunk) => [chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason]),
      [
        [{ role: 'assistant', content: '' }, null],
        [{ content: 'Checking.' }, null],
        [
          {
            tool_calls: [
              {
                index: 0,
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
          null,
        ],
        [
          {
            tool_calls: [{ index: 1, id: 'gem-9', type: 'function', function: { name: 'get_time', arguments: '{}' } }],
          },
          null,
        ],
        [{}, 'tool_calls'],
      ],
    );
  });

  it('leaves thought parts out and merges consecutive text parts of one chunk', async () => {
    const chunks = await parse([
      {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'hmm', thought: true }, { text: 'A' }, { text: 'B' }] },
            finishReason: FinishReason.STOP,
          },
        ],
      },
    ]);
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices[0]?.delta),
      [{ role: 'assistant', content: '' }, { content: 'AB' }, {}],
    );
  });

  it('maps every finish reason with context; a blocked prompt ends as content_filter', async () => {
    const cut = await parse([text('a', {}, FinishReason.MAX_TOKENS)]);
    assert.equal(cut.at(-1)?.choices[0]?.finish_reason, 'length');
    const filtered = await parse([text('a', {}, FinishReason.RECITATION)]);
    assert.equal(filtered.at(-1)?.choices[0]?.finish_reason, 'content_filter');
    const blocked = await parse([{ promptFeedback: { blockReason: BlockedReason.SAFETY }, ...usage(0) }], {
      includeUsage: true,
    });
    assert.deepEqual(
      blocked.map((chunk) => [chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason]),
      [
        [{ role: 'assistant', content: '' }, null],
        [{}, 'content_filter'],
        [undefined, undefined],
      ],
    );
  });

  it('gives each candidate its own role, deltas, tool-call indexes and finish', async () => {
    const chunks = await parse([
      {
        candidates: [
          { index: 0, content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: FinishReason.STOP },
          {
            index: 1,
            content: { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] },
            finishReason: FinishReason.STOP,
          },
        ],
      },
    ]);
    assert.deepEqual(
      chunks.map((chunk) => [
        chunk.choices[0]?.index,
        chunk.choices[0]?.delta.tool_calls?.[0]?.index,
        chunk.choices[0]?.finish_reason,
      ]),
      [
        [0, undefined, null],
        [0, undefined, null],
        [0, undefined, 'stop'],
        [1, undefined, null],
        [1, 0, null],
        [1, undefined, 'tool_calls'],
      ],
    );
  });

  it('attaches logprobs to text deltas when requested', async () => {
    const chunks = await parse(
      [
        {
          candidates: [
            {
              content: { role: 'model', parts: [{ text: 'Hi' }] },
              logprobsResult: {
                chosenCandidates: [{ token: 'Hi', logProbability: -0.2 }],
                topCandidates: [{ candidates: [] }],
              },
              finishReason: FinishReason.STOP,
            },
          ],
        },
      ],
      { includeLogprobs: true },
    );
    assert.deepEqual(chunks[1]?.choices[0]?.logprobs, {
      content: [{ token: 'Hi', bytes: [72, 105], logprob: -0.2, top_logprobs: [] }],
      refusal: null,
    });
  });

  it('throws stream_interrupted when the stream ends before the answer finished, or is empty', async () => {
    for (const responses of [[text('partial')], []]) {
      await assert.rejects(
        parse(responses),
        (error: unknown) =>
          error instanceof UpstreamFailure && error.kind === 'stream_interrupted' && error.provider === 'gemini',
      );
    }
  });

  it('throws a failure for a finish reason without equivalent, after what was already streamed', async () => {
    const seen: ChatCompletionChunk[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of parseGeminiStream(
          from([text('a'), text('', {}, FinishReason.MALFORMED_FUNCTION_CALL)]),
          base,
        ))
          seen.push(chunk);
      })(),
      (error: unknown) =>
        error instanceof UpstreamFailure && error.kind === 'server' && error.code === 'MALFORMED_FUNCTION_CALL',
    );
    assert.equal(seen.length, 2);
  });
});
