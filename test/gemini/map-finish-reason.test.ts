import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinishReason } from '@google/genai';
import { mapFinishReason } from '../../providers/gemini/map-finish-reason.ts';

const plain = { hasFunctionCalls: false };
const withCalls = { hasFunctionCalls: true };

describe('mapFinishReason', () => {
  it('STOP is stop, or tool_calls when the candidate called a function', () => {
    assert.deepEqual(mapFinishReason('STOP', plain), { finishReason: 'stop' });
    assert.deepEqual(mapFinishReason('STOP', withCalls), { finishReason: 'tool_calls' });
  });

  it('MAX_TOKENS and CONTINUATION are length', () => {
    assert.deepEqual(mapFinishReason('MAX_TOKENS', plain), { finishReason: 'length' });
    assert.deepEqual(mapFinishReason('MAX_TOKENS', withCalls), { finishReason: 'length' });
    assert.deepEqual(mapFinishReason('CONTINUATION', plain), { finishReason: 'length' });
  });

  it('policy stops are content_filter', () => {
    for (const reason of [
      'SAFETY',
      'RECITATION',
      'LANGUAGE',
      'BLOCKLIST',
      'PROHIBITED_CONTENT',
      'SPII',
      'IMAGE_SAFETY',
      'IMAGE_PROHIBITED_CONTENT',
      'IMAGE_RECITATION',
      'ESCALATION',
      'MODEL_ARMOR',
    ]) {
      assert.deepEqual(mapFinishReason(reason, plain), { finishReason: 'content_filter' }, reason);
    }
  });

  it('reasons without an OpenAI equivalent are failures with the reason as code, never a silent stop', () => {
    for (const reason of [
      'MALFORMED_FUNCTION_CALL',
      'UNEXPECTED_TOOL_CALL',
      'TOO_MANY_TOOL_CALLS',
      'MALFORMED_RESPONSE',
      'MISSING_THOUGHT_SIGNATURE',
      'NO_IMAGE',
      'IMAGE_OTHER',
      'OTHER',
      'FINISH_REASON_UNSPECIFIED',
      'SOMETHING_NEW_IN_2027',
    ]) {
      const mapping = mapFinishReason(reason, withCalls);
      assert.ok('failure' in mapping, reason);
      assert.equal(mapping.failure.kind, 'server');
      assert.equal(mapping.failure.code, reason);
      assert.match(mapping.failure.message, new RegExp(reason));
    }
  });

  it('a missing reason is a failure too; an account limited for policy violations is permission', () => {
    const missing = mapFinishReason(undefined, plain);
    assert.ok('failure' in missing);
    assert.deepEqual([missing.failure.kind, missing.failure.code], ['server', 'missing_finish_reason']);
    const limited = mapFinishReason('PUP_LIMITED_DISABLED', plain);
    assert.ok('failure' in limited);
    assert.equal(limited.failure.kind, 'permission');
  });

  it('covers every value of the installed SDK enum', () => {
    for (const reason of Object.values(FinishReason)) {
      const mapping = mapFinishReason(reason, plain);
      assert.ok('finishReason' in mapping || mapping.failure.code === reason, reason);
    }
  });
});
