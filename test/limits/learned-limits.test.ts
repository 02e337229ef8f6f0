import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRateLimit } from '../../providers/anthropic/rate-limit.ts';
import { parseOpenAIRateLimit } from '../../providers/openai/rate-limit.ts';
import {
  learnedBinds,
  learnedWait,
  learnFromAnswer,
  learnFromRateLimit,
  spendLearned,
} from '../../src/limits/learned-limits.ts';

const NOW = 1_000_000;
const fresh = { seq: 1, requestsSince: 0, tokensSince: 0 };

describe('learned limits', () => {
  it("holds a key back until OpenAI's reset when it says no request is left (6m0s, 1s500ms)", () => {
    const snapshot = parseOpenAIRateLimit(
      new Headers({
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '1s500ms',
        'x-ratelimit-limit-tokens': '150000',
        'x-ratelimit-remaining-tokens': '149000',
        'x-ratelimit-reset-tokens': '6m0s',
      }),
    )!;
    const learned = learnFromAnswer(undefined, snapshot, fresh, NOW);
    assert.equal(learned.limitRequests, 60);
    assert.equal(learnedWait(learned, 10, NOW), 1500);
    assert.equal(learnedWait(learned, 10, NOW + 1499), 1);
    assert.equal(learnedWait(learned, 10, NOW + 1500), 0, 'after the reset the key is usable again');
    // Tokens: 149 000 left until the 6-minute reset; a request for more than that waits for it.
    assert.equal(learnedWait({ ...learned, remainingRequests: 5 }, 150_000, NOW), 360_000);
  });

  it("reads Anthropic's RFC 3339 resets the same way", () => {
    const now = Date.parse('2026-11-02T10:00:00Z');
    const snapshot = parseRateLimit(
      new Headers({
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2026-11-02T10:00:03Z',
      }),
      now,
    )!;
    const learned = learnFromAnswer(undefined, snapshot, fresh, now);
    assert.equal(learnedWait(learned, 0, now), 3000);
    assert.equal(learned.limitRequests, 50);
  });

  it('spends the stated remainder down as requests go, and subtracts what was sent since the answered request', () => {
    const snapshot = { remainingRequests: 3, resetRequestsMs: 10_000, remainingTokens: 1000, resetTokensMs: 10_000 };
    // Two requests went out after the one this answer belongs to: they are not in its count yet.
    const learned = learnFromAnswer(undefined, snapshot, { seq: 5, requestsSince: 2, tokensSince: 300 }, NOW);
    assert.equal(learned.remainingRequests, 1);
    assert.equal(learned.remainingTokens, 700);
    assert.equal(learnedWait(learned, 100, NOW), 0);
    spendLearned(learned, 100);
    assert.equal(learnedWait(learned, 100, NOW), 10_000, 'none left: wait for the reset');
  });

  it('ignores an answer to a request sent before the one it learned from (answers arrive out of order)', () => {
    const newer = learnFromAnswer(
      undefined,
      { remainingRequests: 0, resetRequestsMs: 5000 },
      { ...fresh, seq: 9 },
      NOW,
    );
    const older = learnFromAnswer(newer, { remainingRequests: 40, resetRequestsMs: 5000 }, { ...fresh, seq: 8 }, NOW);
    assert.equal(older, newer);
  });

  it('does not enforce a remainder without a reset (nothing says when to try again)', () => {
    const learned = learnFromAnswer(undefined, { remainingRequests: 0 }, fresh, NOW);
    assert.equal(learnedWait(learned, 0, NOW), 0);
    assert.equal(learnedBinds(learned, NOW), false);
  });

  it('blocks a key for the wait a 429 stated (Retry-After, Gemini RetryInfo), and keeps it across answers', () => {
    const blocked = learnFromRateLimit(undefined, 58_000, NOW);
    assert.equal(learnedWait(blocked, 0, NOW), 58_000);
    const answered = learnFromAnswer(
      blocked,
      { remainingRequests: 10, resetRequestsMs: 100 },
      { ...fresh, seq: 2 },
      NOW,
    );
    assert.equal(learnedWait(answered, 0, NOW + 1000), 57_000);
    assert.equal(learnedBinds(answered, NOW + 58_000), false);
  });
});
