import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LimitSettings, ProviderLimits } from '../../src/limits/budget-settings.ts';
import { KeyBudgets, type Permit, type Refusal } from '../../src/limits/key-budgets.ts';
import { LocalRate } from '../../src/limits/rate-budget.ts';

function ledger(limits: LimitSettings, models: Record<string, LimitSettings> = {}): KeyBudgets {
  const provider: ProviderLimits = { limits, models: new Map(Object.entries(models)) };
  return new KeyBudgets(new Map([['openai', provider]]), (_id, limit) => new LocalRate(limit));
}

const ask = (keyId = 'openai#1', model = 'gpt-4o-mini', tokens = 100) => ({
  keyId,
  provider: 'openai',
  model,
  tokens: () => tokens,
});

function permit(result: Permit | Refusal): Permit {
  assert.ok('keyId' in result, `refused: ${JSON.stringify(result)}`);
  return result;
}
function refusal(result: Permit | Refusal): Refusal {
  assert.ok(!('keyId' in result), 'expected a refusal');
  return result;
}

describe('key budgets', () => {
  it('bounds requests in flight per key, and frees the slot on release', () => {
    const budgets = ledger({ maxConcurrency: 2 });
    const a = permit(budgets.admit(ask(), 0));
    permit(budgets.admit(ask(), 0));
    const refused = refusal(budgets.admit(ask(), 0));
    assert.equal(refused.reason, 'concurrency');
    assert.equal(refused.waitMs, Number.POSITIVE_INFINITY);
    permit(budgets.admit(ask('openai#2'), 0)); // another key of the pool has its own bound
    budgets.release(a);
    budgets.release(a); // idempotent
    permit(budgets.admit(ask(), 0));
    refusal(budgets.admit(ask(), 0));
  });

  it('charges RPM per key and TPM with the request tokens, refusing with the wait', () => {
    const budgets = ledger({ rpm: 60, tpm: 1000 });
    permit(budgets.admit(ask('openai#1', 'gpt-4o-mini', 810), 0));
    const rpm = refusal(budgets.admit(ask('openai#1', 'gpt-4o-mini', 10), 500));
    assert.equal(rpm.reason, 'rpm');
    assert.equal(rpm.waitMs, 500);
    const tpm = refusal(budgets.admit(ask('openai#1', 'gpt-4o-mini', 810), 1000));
    assert.equal(tpm.reason, 'tpm');
    assert.ok(tpm.waitMs > 40_000);
  });

  it('gives a model with its own limits a budget of its own, inheriting the fields it does not set', () => {
    const budgets = ledger({ rpm: 60 }, { 'gpt-4o': { tpm: 500 } });
    permit(budgets.admit(ask('openai#1', 'gpt-4o-mini'), 0));
    refusal(budgets.admit(ask('openai#1', 'gpt-4o-mini'), 0));
    // gpt-4o: its own RPM of 60 (inherited) and TPM of 500.
    permit(budgets.admit(ask('openai#1', 'gpt-4o', 400), 0));
    assert.equal(refusal(budgets.admit(ask('openai#1', 'gpt-4o', 400), 1000)).reason, 'tpm');
  });

  it('counts tokens only when a token budget applies', () => {
    let counted = 0;
    const budgets = ledger({ rpm: 600 });
    budgets.admit({ ...ask(), tokens: () => ++counted }, 0);
    assert.equal(counted, 0);
    const withTpm = ledger({ tpm: 10_000 });
    withTpm.admit({ ...ask(), tokens: () => ++counted }, 0);
    assert.equal(counted, 1);
  });

  it('learns per key and model: remaining 0 on gpt-4o holds gpt-4o back, not gpt-4o-mini', () => {
    const budgets = new KeyBudgets(new Map(), (_id, limit) => new LocalRate(limit));
    const sent = permit(budgets.admit(ask('openai#1', 'gpt-4o'), 0));
    budgets.learnAnswer(sent, { remainingRequests: 0, resetRequestsMs: 3000 }, 10);
    assert.deepEqual(refusal(budgets.admit(ask('openai#1', 'gpt-4o'), 10)), { waitMs: 3000, reason: 'learned' });
    permit(budgets.admit(ask('openai#1', 'gpt-4o-mini'), 10));
    permit(budgets.admit(ask('openai#2', 'gpt-4o'), 10));
    permit(budgets.admit(ask('openai#1', 'gpt-4o'), 3010));
  });

  it('spends a stated remainder by what was sent after the answered request', () => {
    const budgets = new KeyBudgets(new Map(), (_id, limit) => new LocalRate(limit));
    const first = permit(budgets.admit(ask(), 0));
    permit(budgets.admit(ask(), 0)); // in flight, not yet in the provider's count
    budgets.learnAnswer(first, { remainingRequests: 2, resetRequestsMs: 1000 }, 0);
    permit(budgets.admit(ask(), 0));
    refusal(budgets.admit(ask(), 0));
  });

  it('blocks the key+model a 429 named for its stated wait, and refunds what never reached the provider', () => {
    const budgets = ledger({ rpm: 60 });
    const sent = permit(budgets.admit(ask(), 0));
    budgets.refund(sent, 0);
    const again = permit(budgets.admit(ask(), 0));
    budgets.learnRateLimit(again, 20_000, 0);
    assert.equal(refusal(budgets.admit(ask(), 5000)).reason, 'learned');
    permit(budgets.admit(ask(), 20_000));
  });

  it('shows budgets, learned limits and in-flight counts per key', () => {
    const budgets = ledger({ rpm: 600, maxConcurrency: 4 });
    const sent = permit(budgets.admit(ask(), 0));
    budgets.learnAnswer(sent, { limitRequests: 500, remainingRequests: 499, resetRequestsMs: 120 }, 0);
    const view = budgets.view('openai#1');
    assert.equal(view.inFlight, 1);
    assert.deepEqual(
      view.rates.map(([id, rate]) => [id, rate.limit, rate.left(0)]),
      [['openai#1|*|rpm', 600, 9]],
    );
    assert.equal(view.learned[0]?.[0], 'gpt-4o-mini');
    assert.equal(view.learned[0]?.[1].limitRequests, 500);
    assert.deepEqual(budgets.view('openai#2'), { rates: [], learned: [], inFlight: 0 });
  });
});
