import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerToken, createKeyChecker } from '../../src/http/auth.ts';
import { validateChatRequest } from '../../src/http/validate-request.ts';

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
    [
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } },
      'stream_options',
      'stream',
    ],
    [
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: {} }] },
      'tools[0]',
      'function',
    ],
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
  const result = validateChatRequest({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hi' }],
    some_new_field: { a: 1 },
  });
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

test('bodies using every translated shape pass: validation is not stricter than OpenAI', () => {
  const body = {
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
      {
        role: 'user',
        name: 'ann',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AA', detail: 'low' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,AA', filename: 'a.pdf' } },
          { type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } },
          { type: 'some_future_part' },
        ],
      },
      {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          { id: 'call_2', type: 'custom', custom: { name: 'g', input: 'x' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '42' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'It is 42.' },
          { type: 'refusal', refusal: 'No more.' },
        ],
      },
      { role: 'user', content: 'Thanks' },
    ],
    tools: [
      {
        type: 'function',
        function: { name: 'f', description: 'd', parameters: { type: 'object', properties: {} }, strict: true },
      },
      { type: 'custom', custom: { name: 'g' } },
      { type: 'future_tool' },
    ],
    tool_choice: {
      type: 'allowed_tools',
      allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'f' } }] },
    },
    response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: null } },
    stream: true,
    stream_options: { include_usage: true },
    logprobs: true,
    top_logprobs: 3,
    seed: 7,
    logit_bias: { '50256': -100 },
    metadata: { team: 'a' },
    modalities: ['text'],
    reasoning_effort: 'low',
    parallel_tool_calls: false,
    user: 'u1',
  };
  const result = validateChatRequest(body);
  assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.error.toBody()));
  for (const choice of ['auto', 'none', 'required', { type: 'function', function: { name: 'f' } }]) {
    assert.equal(validateChatRequest({ ...body, tool_choice: choice }).ok, true, JSON.stringify(choice));
  }
});

test('nesting is bounded without recursion, naming the top-level field', () => {
  const deep = JSON.parse(
    `{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
  ) as unknown;
  const result = validateChatRequest(deep);
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.error.param, 'metadata');
    assert.equal(result.error.code, 'nesting_too_deep');
  }
});
