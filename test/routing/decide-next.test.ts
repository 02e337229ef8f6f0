/**
 * The two pure pieces of the failover loop: what follows a failed attempt (decideNext) and the Outcome an
 * attempt reports to health (attemptOutcome). The loop itself is tested end to end in test/e2e/resilience.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FailureKind, UpstreamFailure } from '../../providers/upstream-failure.ts';
import { DEFAULT_POLICY } from '../../src/config/policy.ts';
import { attemptOutcome } from '../../src/routing/attempt-outcome.ts';
import { CLASSIFICATION } from '../../src/routing/classify.ts';
import { decideNext, type FailureFacts } from '../../src/routing/decide-next.ts';

const policy = { ...DEFAULT_POLICY, maxAttemptsPerProvider: 3 };
const half = () => 0.5;

function facts(kind: FailureKind, fields: Partial<FailureFacts> = {}, retryAfterMs?: number): FailureFacts {
  return {
    failure: { provider: 'openai', retryAfterMs },
    classification: CLASSIFICATION[kind],
    attemptsHere: 1,
    retriesHere: 0,
    spareAttempts: 3,
    anotherKey: false,
    healthyAlternative: false,
    retryBudgetLeft: true,
    untilDeadlineMs: 60_000,
    ...fields,
  };
}

describe('decideNext', () => {
  it('returns client errors and sends a long prompt to the context fallback', () => {
    assert.deepEqual(decideNext(facts('bad_request'), policy, half), { type: 'return' });
    assert.deepEqual(decideNext(facts('context_length'), policy, half), { type: 'context_fallback' });
  });

  it('moves past a refused key to the next key, then to the next provider, without calling it giving up', () => {
    assert.deepEqual(decideNext(facts('auth', { anotherKey: true }), policy, half), { type: 'next_key' });
    assert.deepEqual(decideNext(facts('quota_exhausted'), policy, half), { type: 'failover', gaveUp: false });
    assert.deepEqual(decideNext(facts('cannot_serve'), policy, half), { type: 'failover', gaveUp: false });
  });

  it('retries a transient failure after a full-jitter backoff', () => {
    assert.deepEqual(decideNext(facts('server'), policy, half), { type: 'retry', delayMs: 500 });
    assert.deepEqual(decideNext(facts('server', { retriesHere: 2 }), policy, half), { type: 'retry', delayMs: 2000 });
    assert.deepEqual(decideNext(facts('overloaded'), policy, half), { type: 'retry', delayMs: 1000 });
    assert.deepEqual(decideNext(facts('rate_limit', {}, 7000), policy, half), { type: 'retry', delayMs: 7000 });
  });

  it('gives up on the provider when a limit says so, naming the limits a client should see', () => {
    const gaveUp = (note?: string) => ({ type: 'failover', gaveUp: true, ...(note ? { note } : {}) });
    assert.deepEqual(decideNext(facts('server', { attemptsHere: 3 }), policy, half), gaveUp());
    assert.deepEqual(decideNext(facts('server', { spareAttempts: 0 }), policy, half), gaveUp());
    assert.deepEqual(
      decideNext(facts('rate_limit', { healthyAlternative: true }), policy, half),
      gaveUp('openai:skip_wait'),
    );
    assert.deepEqual(
      decideNext(facts('rate_limit', { untilDeadlineMs: 5000 }, 7000), policy, half),
      gaveUp('openai:wait_exceeds_deadline'),
    );
    assert.deepEqual(decideNext(facts('server', { untilDeadlineMs: 400 }), policy, half), gaveUp());
    assert.deepEqual(
      decideNext(facts('server', { retryBudgetLeft: false }), policy, half),
      gaveUp('openai:retry_budget'),
    );
  });

  it('waits for a rate limit when no healthy alternative could serve instead', () => {
    assert.equal(decideNext(facts('rate_limit', { healthyAlternative: false }), policy, half).type, 'retry');
    assert.equal(decideNext(facts('server', { healthyAlternative: true }), policy, half).type, 'retry');
  });
});

describe('attemptOutcome', () => {
  const target = { provider: 'anthropic', model: 'claude-x', probe: false };
  const failure = (kind: FailureKind, fields: Partial<ConstructorParameters<typeof UpstreamFailure>[0]> = {}) =>
    new UpstreamFailure({ provider: 'anthropic', kind, message: 'x', ...fields });

  it('reports a success with its timings', () => {
    assert.deepEqual(attemptOutcome(target, { firstByteMs: 40, latencyMs: 900, at: 5 }), {
      provider: 'anthropic',
      model: 'claude-x',
      ok: true,
      firstByteMs: 40,
      latencyMs: 900,
      retriesExhausted: false,
      probe: false,
      at: 5,
    });
  });

  it('reports a failure with its kind, status and whose fault it was, from the one table', () => {
    assert.deepEqual(
      attemptOutcome(target, {
        failure: failure('overloaded', { status: 529 }),
        latencyMs: 30,
        retriesExhausted: true,
        at: 7,
      }),
      {
        provider: 'anthropic',
        model: 'claude-x',
        ok: false,
        kind: 'overloaded',
        fault: 'provider',
        status: 529,
        latencyMs: 30,
        retriesExhausted: true,
        probe: false,
        at: 7,
      },
    );
    const client = attemptOutcome(target, { failure: failure('bad_request', { status: 400 }), latencyMs: 1, at: 1 });
    assert.equal(client?.fault, 'client');
  });

  it('records nothing for a failure before the network or a provider that cannot serve the request', () => {
    const preflight = failure('bad_request', { status: 400, preflight: true });
    assert.equal(attemptOutcome(target, { failure: preflight, latencyMs: 1, at: 1 }), undefined);
    const cannotServe = failure('cannot_serve', { status: 400, code: 'unsupported_parameter' });
    assert.equal(attemptOutcome(target, { failure: cannotServe, latencyMs: 1, at: 1 }), undefined);
  });

  it('counts a connection lost past the commit point as an interrupted stream', () => {
    const lost = failure('network');
    assert.equal(
      attemptOutcome(target, { failure: lost, latencyMs: 1, at: 1, afterCommit: true })?.kind,
      'stream_interrupted',
    );
    assert.equal(attemptOutcome(target, { failure: lost, latencyMs: 1, at: 1 })?.kind, 'network');
  });
});
