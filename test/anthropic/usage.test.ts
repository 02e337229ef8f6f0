import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertUsage } from '../../providers/anthropic/usage.ts';

describe('convertUsage', () => {
  it('counts cache reads and writes into the prompt, reads as cached_tokens', () => {
    assert.deepEqual(
      convertUsage({
        input_tokens: 12,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 200,
        output_tokens: 40,
      }),
      {
        prompt_tokens: 1212,
        completion_tokens: 40,
        total_tokens: 1252,
        prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 200 },
      },
    );
  });

  it('treats null and missing counts as zero', () => {
    assert.deepEqual(convertUsage({ input_tokens: null, output_tokens: 3, cache_read_input_tokens: null }), {
      prompt_tokens: 0,
      completion_tokens: 3,
      total_tokens: 3,
      prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    });
  });

  it('reports thinking tokens as reasoning_tokens when Anthropic breaks them out', () => {
    const usage = convertUsage({ input_tokens: 5, output_tokens: 50, output_tokens_details: { thinking_tokens: 30 } });
    assert.deepEqual(usage.completion_tokens_details, { reasoning_tokens: 30 });
  });
});
