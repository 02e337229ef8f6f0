import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRateLimit } from '../../providers/anthropic/rate-limit.ts';

const NOW = Date.parse('2026-11-02T10:00:00Z');

describe('parseRateLimit', () => {
  it('reads remaining budgets and RFC 3339 resets as ms from now', () => {
    const headers = new Headers({
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '49',
      'anthropic-ratelimit-requests-reset': '2026-11-02T10:00:12Z',
      'anthropic-ratelimit-tokens-limit': '90000',
      'anthropic-ratelimit-tokens-remaining': '88000',
      'anthropic-ratelimit-tokens-reset': '2026-11-02T10:00:01.500Z',
      'anthropic-ratelimit-input-tokens-remaining': '10',
    });
    assert.deepEqual(parseRateLimit(headers, NOW), {
      limitRequests: 50,
      limitTokens: 90_000,
      remainingRequests: 49,
      resetRequestsMs: 12_000,
      remainingTokens: 88_000,
      resetTokensMs: 1_500,
    });
  });

  it('uses the tighter of the input/output budgets when the combined one is absent', () => {
    const headers = new Headers({
      'anthropic-ratelimit-input-tokens-remaining': '30000',
      'anthropic-ratelimit-input-tokens-reset': '2026-11-02T10:00:05Z',
      'anthropic-ratelimit-output-tokens-remaining': '800',
      'anthropic-ratelimit-output-tokens-reset': '2026-11-02T10:00:40Z',
    });
    assert.deepEqual(parseRateLimit(headers, NOW), { remainingTokens: 800, resetTokensMs: 40_000 });
  });

  it('clamps past resets to 0, ignores garbage, and returns undefined without headers', () => {
    const headers = new Headers({
      'anthropic-ratelimit-requests-remaining': 'lots',
      'anthropic-ratelimit-requests-reset': '2026-11-02T09:59:00Z',
      'anthropic-ratelimit-tokens-reset': 'soon',
    });
    assert.deepEqual(parseRateLimit(headers, NOW), { resetRequestsMs: 0 });
    assert.equal(parseRateLimit(new Headers(), NOW), undefined);
  });
});
