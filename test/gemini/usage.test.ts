import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertUsage } from '../../providers/gemini/usage.ts';

describe('convertUsage', () => {
  it('counts thinking inside completion tokens and reports it as reasoning tokens', () => {
    assert.deepEqual(
      convertUsage({
        promptTokenCount: 120,
        candidatesTokenCount: 30,
        thoughtsTokenCount: 50,
        cachedContentTokenCount: 64,
        totalTokenCount: 200,
      }),
      {
        prompt_tokens: 120,
        completion_tokens: 80,
        total_tokens: 200,
        prompt_tokens_details: { cached_tokens: 64 },
        completion_tokens_details: { reasoning_tokens: 50 },
      },
    );
  });

  it('makes total prompt + completion even when Gemini totals differently', () => {
    const usage = convertUsage({
      promptTokenCount: 10,
      candidatesTokenCount: 5,
      toolUsePromptTokenCount: 7,
      totalTokenCount: 22,
    });
    assert.equal(usage.total_tokens, 15);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  });

  it('fills missing counts with zero', () => {
    assert.deepEqual(convertUsage({ promptTokenCount: 4 }), {
      prompt_tokens: 4,
      completion_tokens: 0,
      total_tokens: 4,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    assert.equal(convertUsage(undefined).total_tokens, 0);
  });
});
