import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidRequest, unsupportedParameter } from '../../providers/shared/request-refusals.ts';
import { CLASSIFICATION } from '../../src/routing/classify.ts';

test('what a provider cannot serve is a preflight cannot_serve 400 that routing takes elsewhere', () => {
  const failure = unsupportedParameter('anthropic', 'n', 'n: Anthropic returns one choice');
  assert.deepEqual(
    [failure.provider, failure.kind, failure.status, failure.code, failure.param, failure.preflight, failure.message],
    ['anthropic', 'cannot_serve', 400, 'unsupported_parameter', 'n', true, 'n: Anthropic returns one choice'],
  );
  assert.equal(CLASSIFICATION[failure.kind].action, 'failover');
});

test('a request wrong for any provider is a preflight bad_request that routing returns', () => {
  const failure = invalidRequest('gemini', 'messages[2].tool_call_id', 'no such call');
  assert.deepEqual(
    [failure.provider, failure.kind, failure.status, failure.code, failure.param, failure.preflight],
    ['gemini', 'bad_request', 400, 'invalid_request', 'messages[2].tool_call_id', true],
  );
  assert.equal(CLASSIFICATION[failure.kind].action, 'return');
});
