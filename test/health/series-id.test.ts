/**
 * Series ids: the one place that knows the separator. Stores filter and delete by these predicates.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isModelSeries,
  isSeriesOf,
  modelSeriesId,
  modelSeriesPrefix,
  parseSeriesId,
  providerSeriesId,
  SERIES_SEPARATOR,
} from '../../src/health/series-id.ts';

describe('series ids', () => {
  it('tells provider series from model series, even when the provider name holds the separator', () => {
    const odd = `a${SERIES_SEPARATOR}b`;
    assert.equal(isModelSeries(providerSeriesId(odd)), false);
    assert.equal(isModelSeries(modelSeriesId('openai', 'gpt-4o')), true);
    assert.deepEqual(parseSeriesId(modelSeriesId(odd, `m${SERIES_SEPARATOR}x`)), {
      provider: odd,
      model: `m${SERIES_SEPARATOR}x`,
    });
  });

  it('a provider owns its series and its model series, and no other provider’s', () => {
    assert.equal(isSeriesOf(providerSeriesId('openai'), 'openai'), true);
    assert.equal(isSeriesOf(modelSeriesId('openai', 'gpt-4o'), 'openai'), true);
    assert.equal(isSeriesOf(providerSeriesId('openai-eu'), 'openai'), false);
    assert.equal(isSeriesOf(modelSeriesId('openai-eu', 'gpt-4o'), 'openai'), false);
    assert.ok(modelSeriesId('openai', 'x').startsWith(modelSeriesPrefix('openai')));
  });

  it('caps the model part (clients choose model names)', () => {
    const id = modelSeriesId('openai', 'm'.repeat(1000));
    assert.equal(parseSeriesId(id)?.model?.length, 200);
  });
});
