/**
 * The Anthropic mock, checked with the official SDK as its client: if @anthropic-ai/sdk parses what the mock
 * sends (JSON, raw events, the MessageStream accumulator, error classes), the provider tests that use the
 * mock exercise the real wire format.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Anthropic, { APIError, OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import { anthropicError, anthropicFaults, jsonFragments, startAnthropicMock } from '../../mocks/anthropic-mock.ts';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';

const TOOLS = [
  {
    name: 'get_weather',
    description: 'Weather for a city',
    input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
  },
];

describe('anthropic mock, read by @anthropic-ai/sdk', () => {
  let mock: MockUpstream;
  let client: Anthropic;

  before(async () => {
    mock = await startAnthropicMock();
    client = new Anthropic({ apiKey: 'sk-ant-mock-key', baseURL: mock.url, maxRetries: 0 });
  });
  after(() => mock.close());
  beforeEach(() => mock.reset());

  it('answers a JSON message with the default script, usage and headers', async () => {
    const { data, response } = await client.messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    assert.match(data.id, /^msg_01/);
    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.equal(data.model, 'claude-sonnet-4-6');
    assert.deepEqual(data.content, [{ type: 'text', text: 'Hello from Claude.', citations: null }]);
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.stop_sequence, null);
    assert.equal(data.usage.input_tokens, 12);
    assert.equal(data.usage.output_tokens, 6);
    assert.equal(data.usage.cache_read_input_tokens, 0);
    assert.equal(data.usage.cache_creation_input_tokens, 0);
    assert.match(response.headers.get('request-id') ?? '', /^req_/);
    assert.equal(response.headers.get('anthropic-ratelimit-requests-remaining'), '49');
    assert.ok(!Number.isNaN(Date.parse(response.headers.get('anthropic-ratelimit-tokens-reset') ?? '')));

    const recorded = mock.requests[0];
    assert.equal(recorded?.path, '/v1/messages');
    assert.equal(recorded?.headers.authorization, 'Bearer sk-ant-mock-key');
    assert.equal(recorded?.headers['anthropic-version'], '2026-10-21');
  });

  it('reports cached prompt tokens apart from input_tokens', async () => {
    mock.script = { text: ['ok'], usage: { input: 100, output: 2, cached: 60 } };
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.equal(message.usage.input_tokens, 40);
    assert.equal(message.usage.cache_read_input_tokens, 60);
  });

  it('streams the full event sequence, which MessageStream accumulates into the final message', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const message = await stream.finalMessage();
    assert.deepEqual(texts, ['Hello', ' from', ' Claude.']);
    assert.equal(message.content[0]?.type, 'text');
    assert.equal(message.content[0]?.type === 'text' ? message.content[0].text : '', 'Hello from Claude.');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.input_tokens, 12);
    assert.equal(message.usage.output_tokens, 6);
  });

  it('sends event: lines, a ping after the first block start, and the raw event order', async () => {
    const response = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 10, stream: true, messages: [] }),
    });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const body = await response.text();
    const names = [...body.matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
    assert.deepEqual(names, [
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const frame of body.split('\n\n').filter(Boolean)) {
      const [eventLine, dataLine] = frame.split('\n');
      const data: unknown = JSON.parse(dataLine?.replace(/^data: /, '') ?? '');
      assert.equal((data as { type: string }).type, eventLine?.replace(/^event: /, ''));
    }
  });

  it('renders tool calls as tool_use blocks when the request offers tools', async () => {
    mock.script = { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', days: 3 } }] };
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      tools: TOOLS,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    assert.equal(message.stop_reason, 'tool_use');
    const [block] = message.content;
    assert.equal(block?.type, 'tool_use');
    if (block?.type !== 'tool_use') return;
    assert.match(block.id, /^toolu_01/);
    assert.equal(block.name, 'get_weather');
    assert.deepEqual(block.input, { city: 'Paris', days: 3 });
  });

  it('leaves tool calls out when the request offers no tools', async () => {
    mock.script = { text: ['Sunny.'], toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.deepEqual(
      message.content.map((block) => block.type),
      ['text'],
    );
    assert.equal(message.stop_reason, 'end_turn');
  });

  it('streams tool input as input_json_delta fragments, the first one empty', async () => {
    mock.script = { text: ['Let me check.'], toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };
    const stream = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      stream: true,
      tools: TOOLS,
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    const events: RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const fragments = events.flatMap((event) =>
      event.type === 'content_block_delta' && event.delta.type === 'input_json_delta' ? [event.delta.partial_json] : [],
    );
    assert.equal(fragments[0], '');
    assert.ok(fragments.length >= 3);
    assert.deepEqual(JSON.parse(fragments.join('')), { city: 'Paris' });
    const toolStart = events.find(
      (event) => event.type === 'content_block_start' && event.content_block.type === 'tool_use',
    );
    assert.equal(toolStart?.type === 'content_block_start' ? toolStart.index : -1, 1);

    mock.script = { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] };
    const final = await client.messages
      .stream({
        model: 'claude-sonnet-4-6',
        max_tokens: 100,
        tools: TOOLS,
        messages: [{ role: 'user', content: 'Oslo?' }],
      })
      .finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const block = final.content[0];
    assert.deepEqual(block?.type === 'tool_use' ? block.input : undefined, { city: 'Oslo' });
  });

  it('splits JSON into an empty first fragment and pieces that join back', () => {
    const input = { query: 'a longer argument value', n: 12 };
    const pieces = jsonFragments(input);
    assert.equal(pieces[0], '');
    assert.equal(pieces.join(''), JSON.stringify(input));
  });

  it('fails with the status and envelope the SDK maps to its error classes', async () => {
    const request = {
      model: 'claude-sonnet-4-6',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: 'Hi' }],
    };

    mock.failNext(anthropicFaults.overloaded(3));
    const overloaded = await client.messages.create(request).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(overloaded instanceof OverloadedError);
    assert.equal(overloaded.status, 529);
    assert.equal(overloaded.type, 'overloaded_error');
    assert.equal(overloaded.headers.get('retry-after'), '3');
    assert.match(overloaded.requestID ?? '', /^req_/);

    mock.failNext(anthropicFaults.rateLimited(7));
    const limited = await client.messages.create(request).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(limited instanceof RateLimitError);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal(limited.headers.get('anthropic-ratelimit-requests-remaining'), '0');

    mock.failNext(anthropicFaults.spendLimit());
    const spend = await client.messages.create(request).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(spend instanceof RateLimitError);
    assert.equal(spend.errorCode, 'enforced_spend_limit_reached');
    assert.equal(spend.headers.get('retry-after'), null);
  });

  it('builds the exact error envelope', () => {
    const body = anthropicError(529, 'overloaded_error', 'Overloaded');
    assert.deepEqual(Object.keys(body as object), ['type', 'error', 'request_id']);
    assert.deepEqual((body as { error: unknown }).error, { type: 'overloaded_error', message: 'Overloaded' });
  });

  it('sends an in-stream error frame the SDK throws as a typed APIError', async () => {
    mock.failNext(anthropicFaults.streamOverloaded(3));
    const stream = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 10,
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(failure instanceof APIError);
    assert.equal(failure.status, undefined);
    assert.equal(failure.type, 'overloaded_error');
    assert.deepEqual(seen, ['message_start', 'content_block_start']); // the third frame was the ping
  });
});
