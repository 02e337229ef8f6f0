import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockedReason, FinishReason } from '@google/genai';
import { convertLogprobs } from '../../providers/gemini/convert-logprobs.ts';
import { convertResponse, type GeminiResponse } from '../../providers/gemini/convert-response.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';

const context = {
  model: 'gemini-2.5-flash',
  includeLogprobs: false,
  created: 1_767_225_600,
  mintToolCallId: () => 'call_fixed',
};

describe('convertResponse', () => {
  it('builds an OpenAI chat.completion from a text answer', () => {
    const completion = convertResponse(
      {
        candidates: [
          {
            index: 0,
            finishReason: FinishReason.STOP,
            content: { role: 'model', parts: [{ text: 'Hello' }, { text: ' there.' }] },
          },
        ],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 },
        modelVersion: 'gemini-2.5-flash-001',
        responseId: 'resp123',
      },
      context,
    );
    assert.deepEqual(completion, {
      id: 'chatcmpl-resp123',
      object: 'chat.completion',
      created: 1_767_225_600,
      model: 'gemini-2.5-flash-001',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello there.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 5,
        completion_tokens: 2,
        total_tokens: 7,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  });

  it('falls back to the requested model and a random id; omits usage Gemini did not send', () => {
    const completion = convertResponse(
      { candidates: [{ finishReason: FinishReason.MAX_TOKENS, content: { role: 'model', parts: [{ text: 'cut' }] } }] },
      context,
    );
    assert.equal(completion.model, 'gemini-2.5-flash');
    assert.match(completion.id, /^chatcmpl-[A-Za-z0-9]{29}$/);
    assert.equal(completion.usage, undefined);
    assert.equal(completion.choices[0]?.finish_reason, 'length');
    assert.equal(completion.choices[0]?.index, 0);
  });

  it('leaves thought parts out of the content', () => {
    const completion = convertResponse(
      {
        candidates: [
          {
            finishReason: FinishReason.STOP,
            content: { role: 'model', parts: [{ text: 'Let me think...', thought: true }, { text: 'Answer.' }] },
          },
        ],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, thoughtsTokenCount: 40 },
      },
      context,
    );
    assert.equal(completion.choices[0]?.message.content, 'Answer.');
    assert.equal(completion.usage?.completion_tokens, 42);
    assert.equal(completion.usage?.completion_tokens_details?.reasoning_tokens, 40);
  });

  it('turns function calls into tool_calls with their thought signature in extra_content, finish tool_calls, content null without text', () => {
    const completion = convertResponse(
      {
        candidates: [
          {
            finishReason: FinishReason.STOP,
            content: {
              role: 'model',
              parts: [
                { functionCall: { name: 'get_weather', args: { city: 'Paris', days: 2 } }, thoughtSignature: 'sig' },
                { functionCall: { id: 'gem-1', name: 'get_time' } },
              ],
            },
          },
        ],
      },
      context,
    );
    assert.deepEqual(completion.choices[0], {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          {
            id: 'call_fixed',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris","days":2}' },
            extra_content: { google: { thought_signature: 'sig' } },
          },
          { id: 'gem-1', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });

  it('keeps text beside tool calls', () => {
    const completion = convertResponse(
      {
        candidates: [
          {
            finishReason: FinishReason.STOP,
            content: { role: 'model', parts: [{ text: 'Checking.' }, { functionCall: { name: 'f', args: {} } }] },
          },
        ],
      },
      context,
    );
    assert.equal(completion.choices[0]?.message.content, 'Checking.');
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
  });

  it('gives one choice per candidate, ordered by index', () => {
    const completion = convertResponse(
      {
        candidates: [
          { index: 1, finishReason: FinishReason.STOP, content: { role: 'model', parts: [{ text: 'B' }] } },
          { index: 0, finishReason: FinishReason.SAFETY },
        ],
      },
      context,
    );
    assert.deepEqual(
      completion.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason]),
      [
        [0, null, 'content_filter'],
        [1, 'B', 'stop'],
      ],
    );
  });

  it('answers a blocked prompt with content_filter instead of crashing', () => {
    const completion = convertResponse(
      {
        promptFeedback: { blockReason: BlockedReason.PROHIBITED_CONTENT },
        usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
      },
      context,
    );
    assert.deepEqual(completion.choices, [
      {
        index: 0,
        message: { role: 'assistant', content: null, refusal: null },
        logprobs: null,
        finish_reason: 'content_filter',
      },
    ]);
    assert.equal(completion.usage?.prompt_tokens, 9);
  });

  it('throws for an answer without candidates or reason, and for finish reasons without equivalent', () => {
    assert.throws(
      () => convertResponse({}, context),
      (error: unknown) =>
        error instanceof UpstreamFailure && error.kind === 'server' && error.code === 'malformed_response',
    );
    assert.throws(
      () => convertResponse({ candidates: [{ finishReason: FinishReason.MALFORMED_FUNCTION_CALL }] }, context),
      (error: unknown) =>
        error instanceof UpstreamFailure &&
        error.kind === 'server' &&
        error.code === 'MALFORMED_FUNCTION_CALL' &&
        error.provider === 'gemini',
    );
  });

  it('converts logprobs only when requested', () => {
    const response: GeminiResponse = {
      candidates: [
        {
          finishReason: FinishReason.STOP,
          content: { role: 'model', parts: [{ text: 'Hi!' }] },
          logprobsResult: {
            chosenCandidates: [
              { token: 'Hi', logProbability: -0.1 },
              { token: '!', logProbability: -0.5 },
            ],
            topCandidates: [
              {
                candidates: [
                  { token: 'Hi', logProbability: -0.1 },
                  { token: 'Hey', logProbability: -2.3 },
                ],
              },
              { candidates: [{ token: '!', logProbability: -0.5 }] },
            ],
          },
        },
      ],
    };
    assert.equal(convertResponse(response, context).choices[0]?.logprobs, null);
    assert.deepEqual(convertResponse(response, { ...context, includeLogprobs: true }).choices[0]?.logprobs, {
      content: [
        {
          token: 'Hi',
          bytes: [72, 105],
          logprob: -0.1,
          top_logprobs: [
            { token: 'Hi', bytes: [72, 105], logprob: -0.1 },
            { token: 'Hey', bytes: [72, 101, 121], logprob: -2.3 },
          ],
        },
        { token: '!', bytes: [33], logprob: -0.5, top_logprobs: [{ token: '!', bytes: [33], logprob: -0.5 }] },
      ],
      refusal: null,
    });
    assert.equal(convertLogprobs(undefined), null);
  });
});
