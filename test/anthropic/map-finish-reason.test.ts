import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapFinishReason } from '../../providers/anthropic/map-finish-reason.ts';

const plain = { hasToolCalls: false };
const withTools = { hasToolCalls: true };

describe('mapFinishReason', () => {
  it('maps every Anthropic stop reason', () => {
    assert.equal(mapFinishReason('end_turn', plain), 'stop');
    assert.equal(mapFinishReason('stop_sequence', plain), 'stop');
    assert.equal(mapFinishReason('tool_use', plain), 'tool_calls');
    assert.equal(mapFinishReason('max_tokens', plain), 'length');
    assert.equal(mapFinishReason('model_context_window_exceeded', plain), 'length');
    assert.equal(mapFinishReason('refusal', plain), 'content_filter');
    assert.equal(mapFinishReason('pause_turn', plain), 'length');
  });

  it('says tool_calls when the answer holds tool calls, whatever ended the turn naturally', () => {
    assert.equal(mapFinishReason('end_turn', withTools), 'tool_calls');
    assert.equal(mapFinishReason('stop_sequence', withTools), 'tool_calls');
    assert.equal(mapFinishReason('tool_use', withTools), 'tool_calls');
  });

  it('keeps truncation and refusal meaning even with tool calls', () => {
    assert.equal(mapFinishReason('max_tokens', withTools), 'length');
    assert.equal(mapFinishReason('refusal', withTools), 'content_filter');
  });

  it('never turns an unknown or missing reason into a silent stop', () => {
    for (const reason of ['brand_new_reason', null, undefined, '']) {
      assert.equal(mapFinishReason(reason, plain), 'length');
      assert.equal(mapFinishReason(reason, withTools), 'tool_calls');
    }
  });
});
