import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateChatRequest } from '../../src/http/validate-request.ts';
import { bearerToken, createKeyChecker } from '../../src/http/auth.ts';

test('validation names the bad field with an OpenAI-style error', () => {
  const cases: Array<[unknown, string | null, string]> = [
    [[], null, 'JSON object'],
    [{ messages: [{ role: 'user', content: 'hi' }] }, 'model', 'model'],
    [{ model: 'm', messages: [] }, 'messages', 'non-empty'],
    [{ model: 'm', messages: [{ role: 'robot', content: 'hi' }] }, 'messages[0].role', 'role'],
    [{ model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', 'content'],
    [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', 'tool_call_id'],
    [{ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 3 }, 'temperature', '0 to 2'],
    [{ model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 0 }, 'n', 'integer'],
    [{ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } }, 'stream_options', 'stream'],
    [{ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: {} }] }, 'tools[0]', 'function'],
  ];
  for (const [body, param, text] of cases) {
    const result = validateChatRequest(body);
    assert.equal(result.ok, false, JSON.stringify(body));
    if (result.ok) continue;
    const error = result.error.toBody().error;
    assert.equal(result.error.status, 400);
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.param, param);
    assert.match(error.message, new RegExp(text.replace(/[[\]().]/g, '\\$&')));
  }
});

test('valid requests pass with unknown fields kept', () => {
  const result = validateChatRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], some_new_field: { a: 1 } });
  assert.equal(result.ok, true);
  if (result.ok) assert.deepEqual(result.request.some_new_field, { a: 1 });
});

test('key checks match only configured keys', async () => {
  const check = createKeyChecker(['client-key-one', 'client-key-two']);
  assert.equal(await check('client-key-two'), true);
  assert.equal(await check('client-key-tw'), false);
  assert.equal(await check(undefined), false);
  assert.equal(bearerToken('Bearer  abc '), 'abc');
  assert.equal(bearerToken('Basic abc'), undefined);
});
