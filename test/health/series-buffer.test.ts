/**
 * The count buffer on its own: where a count is on its way to the store (pending → outbox → unread →
 * snapshot), that a batch is resent unchanged until acknowledged, that windows add up every place exactly
 * once, and the bounds (long window, series cap).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutcomeSignals } from '../../src/health/classify-outcome.ts';
import { SeriesBuffer } from '../../src/health/series-buffer.ts';
import { modelSeriesId, providerSeriesId } from '../../src/health/series-id.ts';
import { emptyCounts, type SeriesSlots } from '../../src/health/slot-counts.ts';

const WINDOWS = { slotMs: 10_000, shortMs: 60_000, longMs: 300_000 };
const ok: OutcomeSignals = {
  class: 'success',
  rateLimited: false,
  serverError: false,
  exhausted: false,
  latencyMs: 50,
};
const fault: OutcomeSignals = { ...ok, class: 'provider_fault', serverError: true };
const NOW = 1_000_000_000;
const SLOT = NOW / WINDOWS.slotMs;
const OPENAI = providerSeriesId('openai');

function buffer(maxSeries = 512): SeriesBuffer {
  return new SeriesBuffer(WINDOWS, maxSeries);
}

function requests(b: SeriesBuffer, id = OPENAI): number {
  return b.windows(id, NOW).long.requests;
}

function storeAnswer(id: string, slot: number, n: number): SeriesSlots {
  return new Map([[id, new Map([[slot, { ...emptyCounts(), requests: n }]])]]);
}

describe('series buffer', () => {
  it('places an outcome in its slot, clamps the future to now and drops what is older than the long window', () => {
    const b = buffer();
    assert.equal(b.slotFor(NOW - 15_000, NOW), SLOT - 2);
    assert.equal(b.slotFor(NOW + 60_000, NOW), SLOT, 'a clock ahead of ours counts now');
    assert.equal(b.slotFor(Number.NaN, NOW), SLOT);
    assert.equal(b.slotFor(NOW - 290_000, NOW), SLOT - 29, 'the oldest slot of the long window');
    assert.equal(b.slotFor(NOW - 300_000, NOW), undefined);
  });

  it('counts an outcome under the provider and under provider + model', () => {
    const b = buffer();
    b.add('openai', 'gpt-4o', SLOT, fault);
    b.add('openai', '', SLOT, ok);
    assert.equal(requests(b), 2);
    assert.equal(b.windows(OPENAI, NOW).short.errors, 1);
    assert.equal(requests(b, modelSeriesId('openai', 'gpt-4o')), 1);
    assert.deepEqual(b.providers(), ['openai']);
    assert.deepEqual(b.models().get('openai'), [{ model: 'gpt-4o', id: modelSeriesId('openai', 'gpt-4o') }]);
  });

  it('resends the same batch, same sequence, until the store acknowledges it; later counts wait for the next', () => {
    const b = buffer();
    assert.equal(b.take(), undefined, 'nothing to send');
    b.add('openai', undefined, SLOT, fault);
    const first = b.take();
    assert.equal(first?.seq, 1);
    b.add('openai', undefined, SLOT, ok);
    assert.equal(b.take(), first, 'a flush that timed out is retried as it was');
    assert.equal(b.awaitingAck, true);
    assert.equal(requests(b), 2, 'the outbox and pending both count while unacknowledged');
    b.acknowledge(first, undefined, false);
    assert.equal(b.awaitingAck, false);
    assert.equal(requests(b), 2, 'a write-only acknowledgement keeps the counts (as unread)');
    const second = b.take();
    assert.equal(second?.seq, 2);
    assert.equal(second?.data.get(OPENAI)?.get(SLOT)?.requests, 1);
  });

  it('a read replaces what was sent with the merged view, so nothing is counted twice', () => {
    const b = buffer();
    b.add('openai', 'gpt-4o', SLOT, fault);
    const sent = b.take();
    b.acknowledge(sent, undefined, false);
    // The store's answer holds our count and another instance's two.
    const merged = storeAnswer(OPENAI, SLOT, 3);
    for (const [id, slots] of storeAnswer(modelSeriesId('openai', 'gpt-4o'), SLOT, 1)) merged.set(id, slots);
    b.acknowledge(undefined, merged, true);
    assert.equal(requests(b), 3);
    assert.equal(requests(b, modelSeriesId('openai', 'gpt-4o')), 1);
  });

  it('a read without model series keeps the model series it had', () => {
    const b = buffer();
    const modelId = modelSeriesId('openai', 'gpt-4o');
    const merged = storeAnswer(OPENAI, SLOT, 4);
    for (const [id, slots] of storeAnswer(modelId, SLOT, 4)) merged.set(id, slots);
    b.acknowledge(undefined, merged, true);
    b.acknowledge(undefined, storeAnswer(OPENAI, SLOT, 5), false);
    assert.equal(requests(b), 5);
    assert.equal(requests(b, modelId), 4, 'the last model view stays until models are read again');
  });

  it('windows ignore slots before the evaluation start, and pruning drops old slots everywhere', () => {
    const b = buffer();
    b.add('openai', undefined, SLOT - 10, fault);
    b.add('openai', undefined, SLOT, ok);
    assert.equal(b.windows(OPENAI, NOW).long.requests, 2);
    assert.equal(b.windows(OPENAI, NOW).short.requests, 1, 'ten slots ago is outside the short window');
    assert.equal(b.windows(OPENAI, NOW, SLOT).long.requests, 1);
    b.prune(SLOT - 5);
    assert.equal(requests(b), 1);
  });

  it('forgets series that hold nothing, and resets one provider without touching another', () => {
    const b = buffer();
    b.add('openai', 'gpt-4o', SLOT, fault);
    b.add('anthropic', 'claude', SLOT, ok);
    b.resetProvider('openai');
    assert.equal(requests(b), 0);
    assert.equal(requests(b, modelSeriesId('openai', 'gpt-4o')), 0);
    assert.equal(requests(b, providerSeriesId('anthropic')), 1);
    b.forgetIdle();
    assert.deepEqual(b.providers(), ['anthropic']);
  });

  it('evidence rides with the counts of its batch, and is resent with it', () => {
    const b = buffer();
    b.add('openai', undefined, SLOT, fault);
    b.addEvidence('openai', fault, false);
    const first = b.take();
    assert.deepEqual(first?.evidence?.get('openai'), { reset: false, failures: 1, probeOk: 0, probeFailed: 0 });
    b.addEvidence('openai', ok, false);
    assert.equal(b.take()?.evidence, first?.evidence, 'the retry carries the same evidence');
    b.acknowledge(first, undefined, false);
    assert.equal(b.take()?.evidence?.get('openai')?.reset, true);
    assert.equal(buffer().take(), undefined);
  });

  it('caps distinct series: the provider always counts, new models stop at the cap (from the store too)', () => {
    const b = buffer(2);
    b.add('openai', 'a', SLOT, ok);
    b.add('openai', 'b', SLOT, ok);
    assert.equal(requests(b), 2);
    assert.equal(requests(b, modelSeriesId('openai', 'a')), 1);
    assert.equal(requests(b, modelSeriesId('openai', 'b')), 0, 'over the cap');
    b.acknowledge(undefined, storeAnswer(modelSeriesId('openai', 'c'), SLOT, 9), true);
    assert.equal(requests(b, modelSeriesId('openai', 'c')), 0);
  });
});
