import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOpenAIRateLimit, resetAfterRateLimit } from '../../providers/openai/rate-limit.ts';

describe('parseOpenAIRateLimit', () => {
  it('reads the six x-ratelimit headers, resets as Go durations', () => {
    const snapshot = parseOpenAIRateLimit(
      new Headers({
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-limit-tokens': '150000',
        'x-ratelimit-remaining-requests': '59',
        'x-ratelimit-remaining-tokens': '149984',
        'x-ratelimit-reset-requests': '1s',
        'x-ratelimit-reset-tokens': '6m0s',
      }),
    );
    assert.deepEqual(snapshot, {
      limitRequests: 60,
      limitTokens: 150000,
      remainingRequests: 59,
      remainingTokens: 149984,
      resetRequestsMs: 1000,
      resetTokensMs: 360_000,
    });
  });

  it('understands sub-second and compound durations', () => {
    const snapshot = parseOpenAIRateLimit(
      new Headers({ 'x-ratelimit-reset-requests': '12ms', 'x-ratelimit-reset-tokens': '1h2m3.5s' }),
    );
    assert.equal(snapshot?.resetRequestsMs, 12);
    assert.equal(snapshot?.resetTokensMs, 3_723_500);
  });

  it('keeps what it can read and ignores values that are not numbers or durations', () => {
    const snapshot = parseOpenAIRateLimit(
      new Headers({
        'x-ratelimit-remaining-requests': 'lots',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': 'soon',
        'x-ratelimit-reset-requests': '20s',
      }),
    );
    assert.deepEqual(snapshot, { remainingTokens: 0, resetRequestsMs: 20_000 });
  });

  it('is undefined when the upstream sends no rate-limit headers (many compatible servers)', () => {
    assert.equal(parseOpenAIRateLimit(new Headers({ 'content-type': 'application/json' })), undefined);
  });
});

describe('resetAfterRateLimit', () => {
  it('picks the reset of the exhausted budget', () => {
    assert.equal(
      resetAfterRateLimit({ remainingRequests: 0, resetRequestsMs: 500, remainingTokens: 10, resetTokensMs: 60_000 }),
      500,
    );
    assert.equal(
      resetAfterRateLimit({ remainingRequests: 3, resetRequestsMs: 500, remainingTokens: 0, resetTokensMs: 60_000 }),
      60_000,
    );
  });

  it('both exhausted: the later reset', () => {
    assert.equal(
      resetAfterRateLimit({ remainingRequests: 0, resetRequestsMs: 500, remainingTokens: 0, resetTokensMs: 800 }),
      800,
    );
  });

  it('nothing visibly exhausted: the longer known reset; nothing known: undefined', () => {
    assert.equal(resetAfterRateLimit({ resetRequestsMs: 500 }), 500);
    assert.equal(resetAfterRateLimit({ remainingRequests: 0 }), undefined);
    assert.equal(resetAfterRateLimit(undefined), undefined);
  });
});
