import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertRequest } from '../../providers/anthropic/convert-request.ts';
import { JSON_OBJECT_INSTRUCTION } from '../../providers/anthropic/convert-response-format.ts';
import { defaultMaxTokens, FALLBACK_MAX_TOKENS } from '../../providers/anthropic/default-max-tokens.ts';
import type { ChatRequest } from '../../providers/types.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';

const MODEL = 'claude-sonnet-4-6';

function request(fields: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], ...fields };
}

function convert(fields: Partial<ChatRequest> = {}, stream = false) {
  return convertRequest(request(fields), MODEL, { stream });
}

function assertUnsupported(fn: () => unknown, param: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UpstreamFailure);
    assert.equal(error.provider, 'anthropic');
    assert.equal(error.kind, 'cannot_serve');
    assert.equal(error.status, 400);
    assert.equal(error.code, 'unsupported_parameter');
    if (typeof param === 'string') assert.equal(error.param, param);
    else assert.match(error.param ?? '', param);
    return true;
  });
}

describe('convertRequest: basics', () => {
  it('sends the routed model, the messages, a default max_tokens and the stream flag', () => {
    const { params, warnings } = convert();
    assert.deepEqual(params, {
      model: MODEL,
      max_tokens: FALLBACK_MAX_TOKENS,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      stream: false,
    });
    assert.deepEqual(warnings, []);
    assert.equal(convert({}, true).params.stream, true);
  });

  it('prefers max_completion_tokens over max_tokens, and never clamps', () => {
    assert.equal(convert({ max_tokens: 300 }).params.max_tokens, 300);
    assert.equal(convert({ max_tokens: 300, max_completion_tokens: 200 }).params.max_tokens, 200);
    assert.equal(convert({ max_completion_tokens: 1_000_000 }).params.max_tokens, 1_000_000);
  });

  it('maps stop (string or list) to stop_sequences', () => {
    assert.deepEqual(convert({ stop: 'END' }).params.stop_sequences, ['END']);
    assert.deepEqual(convert({ stop: ['a', 'b'] }).params.stop_sequences, ['a', 'b']);
    assert.equal('stop_sequences' in convert({ stop: null }).params, false);
  });

  it('maps user (or safety_identifier) to metadata.user_id', () => {
    assert.deepEqual(convert({ user: 'user-42' }).params.metadata, { user_id: 'user-42' });
    assert.deepEqual(convert({ safety_identifier: 'hash-1' }).params.metadata, { user_id: 'hash-1' });
    assert.equal('metadata' in convert().params, false);
  });

  it('does not mutate the client request', () => {
    const original = request({
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Hi' },
      ],
      stop: ['x'],
    });
    const copy = structuredClone(original);
    convertRequest(original, MODEL, { stream: true });
    assert.deepEqual(original, copy);
  });
});

describe('convertRequest: messages', () => {
  it('moves system and developer messages, in order, to the top-level system', () => {
    const { params } = convert({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        {
          role: 'developer',
          content: [
            { type: 'text', text: 'Answer in French.' },
            { type: 'text', text: 'No emoji.' },
          ],
        },
        { role: 'assistant', content: 'Bonjour' },
        { role: 'user', content: 'Encore' },
      ],
    });
    assert.equal(params.system, 'You are terse.\n\nAnswer in French.\nNo emoji.');
    assert.deepEqual(
      params.messages.map((message) => message.role),
      ['user', 'assistant', 'user'],
    );
  });

  it('merges consecutive turns of the same role so roles alternate', () => {
    const { params } = convert({
      messages: [
        { role: 'user', content: 'one' },
        { role: 'user', content: 'two' },
        { role: 'assistant', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'three' },
      ],
    });
    assert.deepEqual(params.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'three' }] },
    ]);
  });

  it('converts image parts: data URLs to base64 sources, http(s) URLs to url sources', () => {
    const { params, warnings } = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'auto' } },
          ],
        },
      ],
    });
    assert.deepEqual(params.messages[0]?.content, [
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
    assert.deepEqual(warnings, []);
  });

  it('warns about image detail and rejects images Anthropic cannot read', () => {
    const detailed = convert({
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x.test/a.png', detail: 'high' } }] },
      ],
    });
    assert.deepEqual(
      detailed.warnings.map((warning) => warning.param),
      ['messages[0].content[0].image_url.detail'],
    );
    assertUnsupported(
      () =>
        convert({
          messages: [
            { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] },
          ],
        }),
      'messages[0].content[0].image_url.url',
    );
    assertUnsupported(
      () =>
        convert({
          messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x.test/a.png' } }] }],
        }),
      'messages[0].content[0].image_url.url',
    );
  });

  it('converts inline PDFs and rejects audio and file ids', () => {
    const { params } = convert({
      messages: [
        {
          role: 'user',
          content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } }],
        },
      ],
    });
    assert.deepEqual(params.messages[0]?.content, [
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
    ]);
    assertUnsupported(
      () => convert({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }),
      'messages[0].content[0].file',
    );
    assertUnsupported(
      () =>
        convert({
          messages: [
            { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA=', format: 'wav' } }] },
          ],
        }),
      'messages[0].content[0]',
    );
  });

  it('turns assistant tool_calls into tool_use blocks and tool messages into grouped tool_result blocks, keeping ids', () => {
    const { params } = convert({
      messages: [
        { role: 'user', content: 'Weather in Paris and Oslo?' },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            { id: 'toolu_01Paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_01Oslo', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01Paris', content: '18C sunny' },
        { role: 'tool', tool_call_id: 'toolu_01Oslo', content: [{ type: 'text', text: '4C rain' }] },
        { role: 'user', content: 'Thanks, and tomorrow?' },
      ],
    });
    assert.deepEqual(params.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Oslo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_01Paris', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_01Oslo', name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01Paris', content: '18C sunny' },
          { type: 'tool_result', tool_use_id: 'toolu_01Oslo', content: [{ type: 'text', text: '4C rain' }] },
          { type: 'text', text: 'Thanks, and tomorrow?' },
        ],
      },
    ]);
  });

  it('sends an assistant turn with only tool calls (content null) and empty arguments as {}', () => {
    const { params } = convert({
      messages: [
        { role: 'user', content: 'Time?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'now', arguments: '' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '' },
      ],
    });
    assert.deepEqual(params.messages[1], {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'call_1', name: 'now', input: {} }],
    });
    assert.deepEqual(params.messages[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1' }] });
  });

  it('rejects tool call arguments that are not a JSON object, naming the field', () => {
    const history = (args: string): Partial<ChatRequest> => ({
      messages: [
        { role: 'user', content: 'x' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: args } }],
        },
      ],
    });
    assertUnsupported(() => convert(history('{"city": "Par')), 'messages[1].tool_calls[0].function.arguments');
    assertUnsupported(() => convert(history('[1,2]')), 'messages[1].tool_calls[0].function.arguments');
    assert.throws(() => convert(history('{"city": "Par')), /not valid JSON/);
  });

  it('rejects legacy function messages and assistant function_call, and warns once about names', () => {
    assertUnsupported(() => convert({ messages: [{ role: 'function', name: 'f', content: 'x' }] }), 'messages[0]');
    assertUnsupported(
      () =>
        convert({ messages: [{ role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }] }),
      'messages[0].function_call',
    );
    const { warnings } = convert({
      messages: [
        { role: 'user', content: 'a', name: 'alice' },
        { role: 'user', content: 'b', name: 'bob' },
      ],
    });
    assert.deepEqual(warnings, [{ param: 'messages[].name', message: 'Anthropic has no participant names; ignored' }]);
  });
});

describe('convertRequest: tools', () => {
  const weather = {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  };
  const clock = { type: 'function' as const, function: { name: 'now' } };

  it('converts tools to name/description/input_schema, with type object even without parameters', () => {
    const { params } = convert({ tools: [weather, clock] });
    assert.deepEqual(params.tools, [
      {
        name: 'get_weather',
        description: 'Weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
      },
      { name: 'now', input_schema: { type: 'object' } },
    ]);
    assert.equal('tool_choice' in params, false);
  });

  it('keeps strict', () => {
    const { params } = convert({ tools: [{ type: 'function', function: { ...weather.function, strict: true } }] });
    assert.equal(params.tools?.[0] && 'strict' in params.tools[0] ? params.tools[0].strict : undefined, true);
  });

  it('maps every tool_choice', () => {
    assert.deepEqual(convert({ tools: [weather], tool_choice: 'auto' }).params.tool_choice, { type: 'auto' });
    assert.deepEqual(convert({ tools: [weather], tool_choice: 'required' }).params.tool_choice, { type: 'any' });
    assert.deepEqual(convert({ tools: [weather], tool_choice: 'none' }).params.tool_choice, { type: 'none' });
    assert.deepEqual(
      convert({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }).params
        .tool_choice,
      { type: 'tool', name: 'get_weather' },
    );
  });

  it('narrows the tools for allowed_tools and keeps its mode', () => {
    const { params } = convert({
      tools: [weather, clock],
      tool_choice: {
        type: 'allowed_tools',
        allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'now' } }] },
      },
    });
    assert.deepEqual(
      params.tools?.map((tool) => ('name' in tool ? tool.name : undefined)),
      ['now'],
    );
    assert.deepEqual(params.tool_choice, { type: 'any' });
  });

  it('maps parallel_tool_calls: false to disable_parallel_tool_use', () => {
    assert.deepEqual(convert({ tools: [weather], parallel_tool_calls: false }).params.tool_choice, {
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    assert.deepEqual(
      convert({ tools: [weather], tool_choice: 'required', parallel_tool_calls: false }).params.tool_choice,
      {
        type: 'any',
        disable_parallel_tool_use: true,
      },
    );
    assert.deepEqual(
      convert({ tools: [weather], tool_choice: 'none', parallel_tool_calls: false }).params.tool_choice,
      { type: 'none' },
    );
    assert.equal('tool_choice' in convert({ tools: [weather], parallel_tool_calls: true }).params, false);
  });

  it('rejects custom tools', () => {
    assertUnsupported(() => convert({ tools: [{ type: 'custom', custom: { name: 'grammar' } }] }), 'tools[0]');
    assertUnsupported(
      () => convert({ tools: [weather], tool_choice: { type: 'custom', custom: { name: 'grammar' } } }),
      'tool_choice',
    );
  });
});

describe('convertRequest: response_format', () => {
  it('maps json_schema to output_config.format', () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'number' } },
      required: ['answer'],
      additionalProperties: false,
    };
    const { params, warnings } = convert({
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
    });
    assert.deepEqual(params.output_config, { format: { type: 'json_schema', schema } });
    assert.deepEqual(warnings, []);
  });

  it('asks for JSON in the system prompt for json_object, with a warning', () => {
    const { params, warnings } = convert({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      response_format: { type: 'json_object' },
    });
    assert.equal(params.system, `Be brief.\n\n${JSON_OBJECT_INSTRUCTION}`);
    assert.equal('output_config' in params, false);
    assert.deepEqual(
      warnings.map((warning) => warning.param),
      ['response_format'],
    );
  });

  it('ignores response_format text', () => {
    const { params, warnings } = convert({ response_format: { type: 'text' } });
    assert.equal('system' in params, false);
    assert.deepEqual(warnings, []);
  });
});

describe('convertRequest: parameters Anthropic cannot honour', () => {
  it('never sends temperature, top_p or top_k, and warns about each', () => {
    const { params, warnings } = convert({ temperature: 0.2, top_p: 0.9, top_k: 40 });
    const sent = Object.keys(params);
    assert.equal(sent.includes('temperature'), false);
    assert.equal(sent.includes('top_p'), false);
    assert.equal(sent.includes('top_k'), false);
    assert.deepEqual(
      warnings.map((warning) => warning.param),
      ['temperature', 'top_p', 'top_k'],
    );
    assert.match(warnings[0]?.message ?? '', /2026-10-21/);
  });

  it('rejects n > 1 before any network call, and accepts n = 1', () => {
    assertUnsupported(() => convert({ n: 2 }), 'n');
    assert.deepEqual(convert({ n: 1 }).warnings, []);
  });

  it('rejects what the answer would have to contain: logprobs, audio, legacy functions, web search, moderation', () => {
    assertUnsupported(() => convert({ logprobs: true }), 'logprobs');
    assertUnsupported(() => convert({ top_logprobs: 3 }), 'top_logprobs');
    assertUnsupported(() => convert({ audio: { format: 'wav', voice: 'alloy' } }), 'audio');
    assertUnsupported(() => convert({ modalities: ['text', 'audio'] }), 'modalities');
    assertUnsupported(() => convert({ functions: [{ name: 'f' }] }), 'functions');
    assertUnsupported(() => convert({ function_call: 'auto' }), 'function_call');
    assertUnsupported(() => convert({ web_search_options: {} }), 'web_search_options');
    assertUnsupported(() => convert({ moderation: { model: 'omni-moderation-latest' } }), 'moderation');
    assert.deepEqual(convert({ logprobs: false, top_logprobs: 0, modalities: ['text'] }).warnings, []);
  });

  it('warns about knobs that only tune generation, and not about their defaults', () => {
    const { warnings } = convert({
      seed: 7,
      frequency_penalty: 0.5,
      presence_penalty: 0,
      logit_bias: { '50256': -100 },
      prediction: { type: 'content', content: 'draft' },
      service_tier: 'flex',
      store: true,
      metadata: { team: 'a' },
      reasoning_effort: 'high',
      verbosity: 'low',
      prompt_cache_key: 'k',
      prompt_cache_retention: '24h',
    });
    assert.deepEqual(
      warnings.map((warning) => warning.param),
      [
        'seed',
        'frequency_penalty',
        'logit_bias',
        'prediction',
        'service_tier',
        'store',
        'metadata',
        'reasoning_effort',
        'verbosity',
        'prompt_cache_key',
        'prompt_cache_retention',
      ],
    );
    assert.deepEqual(convert({ service_tier: 'auto', store: false, logit_bias: {}, metadata: {} }).warnings, []);
  });

  it('warns about fields no OpenAI parameter rule knows', () => {
    const { warnings } = convertRequest({ ...request(), mystery_knob: 3 }, MODEL, { stream: false });
    assert.deepEqual(warnings, [
      { param: 'mystery_knob', message: 'not a parameter the Anthropic provider knows; ignored' },
    ]);
  });
});

describe('defaultMaxTokens', () => {
  it('uses the documented maximum for older models and the fallback otherwise', () => {
    assert.equal(defaultMaxTokens('claude-3-haiku-20240307'), 4096);
    assert.equal(defaultMaxTokens('claude-3-opus-20240229'), 4096);
    assert.equal(defaultMaxTokens('claude-sonnet-4-6'), FALLBACK_MAX_TOKENS);
    assert.equal(defaultMaxTokens('some-future-model'), FALLBACK_MAX_TOKENS);
    assert.equal(convertRequest(request(), 'claude-3-haiku-20240307', { stream: false }).params.max_tokens, 4096);
  });
});

describe('tool history without tools', () => {
  it('declares the tools the history used and forbids new calls, as Anthropic requires', () => {
    const { params } = convertRequest(
      {
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
          { role: 'user', content: 'Summarise that.' },
        ],
      },
      'claude-sonnet-4-6',
      { stream: false },
    );
    assert.deepEqual(params.tools, [{ name: 'get_weather', input_schema: { type: 'object' } }]);
    assert.deepEqual(params.tool_choice, { type: 'none' });
  });

  it('leaves requests without tool history alone', () => {
    const { params } = convertRequest(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] },
      'claude-sonnet-4-6',
      { stream: false },
    );
    assert.equal(params.tools, undefined);
    assert.equal(params.tool_choice, undefined);
  });
});
