import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SKIP_THOUGHT_SIGNATURE } from '../../providers/gemini/convert-messages.ts';
import { convertRequest } from '../../providers/gemini/convert-request.ts';
import type { ChatRequest } from '../../providers/types.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';

const MODEL = 'gemini-2.5-flash';

function request(fields: Record<string, unknown>): ChatRequest {
  return { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], ...fields } as ChatRequest;
}

function refusal(fn: () => unknown): UpstreamFailure {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof UpstreamFailure);
    assert.equal(error.status, 400);
    // What Gemini cannot serve is another provider's to try; a request wrong for anyone is the client's.
    assert.equal(error.kind, error.code === 'unsupported_parameter' ? 'cannot_serve' : 'bad_request');
    assert.equal(error.provider, 'gemini');
    return error;
  }
  assert.fail('expected a 400 UpstreamFailure');
}

function assertUnsupported(fields: Record<string, unknown>, param: string): void {
  const error = refusal(() => convertRequest(request(fields), MODEL));
  assert.equal(error.code, 'unsupported_parameter');
  assert.equal(error.param, param);
}

describe('convertRequest: messages', () => {
  it('puts system and developer messages, in order, into systemInstruction', () => {
    const { contents, config, warnings } = convertRequest(
      request({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hi' },
        ],
      }),
      MODEL,
    );
    assert.deepEqual(config.systemInstruction, { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] });
    assert.deepEqual(contents, [{ role: 'user', parts: [{ text: 'Hi' }] }]);
    assert.deepEqual(warnings, []);
  });

  it('warns when a system message after the conversation start loses its position', () => {
    const { config, warnings } = convertRequest(
      request({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'system', content: 'Now be rude.' },
        ],
      }),
      MODEL,
    );
    assert.deepEqual(config.systemInstruction, { parts: [{ text: 'Now be rude.' }] });
    assert.deepEqual(
      warnings.map((warning) => warning.param),
      ['messages[].role'],
    );
  });

  it('converts a multi-turn history: assistant → model; consecutive same-role turns merged', () => {
    const { contents } = convertRequest(
      request({
        messages: [
          { role: 'user', content: 'One' },
          { role: 'user', content: [{ type: 'text', text: 'Two' }] },
          { role: 'assistant', content: 'Three' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Four' },
              { type: 'refusal', refusal: 'No.' },
            ],
          },
          { role: 'user', content: 'Five' },
        ],
      }),
      MODEL,
    );
    assert.deepEqual(contents, [
      { role: 'user', parts: [{ text: 'One' }, { text: 'Two' }] },
      { role: 'model', parts: [{ text: 'Three' }, { text: 'Four' }, { text: 'No.' }] },
      { role: 'user', parts: [{ text: 'Five' }] },
    ]);
  });

  it('skips empty assistant messages and warns about message names', () => {
    const { contents, warnings } = convertRequest(
      request({
        messages: [
          { role: 'user', content: 'Hi', name: 'ann' },
          { role: 'assistant', content: null },
          { role: 'user', content: 'Again', name: 'bob' },
        ],
      }),
      MODEL,
    );
    assert.deepEqual(contents, [{ role: 'user', parts: [{ text: 'Hi' }, { text: 'Again' }] }]);
    assert.deepEqual(
      warnings.map((warning) => warning.param),
      ['messages[].name'],
    );
  });

  it('refuses a conversation made only of system messages', () => {
    const error = refusal(() => convertRequest(request({ messages: [{ role: 'system', content: 'Alone.' }] }), MODEL));
    assert.deepEqual([error.code, error.param], ['unsupported_parameter', 'messages']);
  });

  it('refuses the deprecated function role and unknown roles', () => {
    assertUnsupported({ messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages[0].role');
    const error = refusal(() => convertRequest(request({ messages: [{ role: 'robot', content: 'x' }] }), MODEL));
    assert.equal(error.code, 'invalid_request');
  });

  it('does not mutate the request', () => {
    const original = request({
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'w', parameters: { $schema: 'x', type: 'object', properties: { a: { const: 'b' } } } },
        },
      ],
    });
    const snapshot = structuredClone(original);
    convertRequest(original, 'gemini-3-pro-preview');
    assert.deepEqual(original, snapshot);
  });
});

describe('convertRequest: content parts', () => {
  const userParts = (content: unknown) => convertRequest(request({ messages: [{ role: 'user', content }] }), MODEL);

  it('turns data: image URLs into inlineData', () => {
    const { contents } = userParts([
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ]);
    assert.deepEqual(contents[0]?.parts, [
      { text: 'What is this?' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
    ]);
  });

  it('refuses http(s) image URLs before the network (Gemini does not fetch them), but takes Files API URIs', () => {
    assertUnsupported(
      {
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
        ],
      },
      'messages[0].content[0].image_url.url',
    );
    const uri = 'https://generativelanguage.googleapis.com/v1beta/files/abc-123';
    assert.deepEqual(userParts([{ type: 'image_url', image_url: { url: uri } }]).contents[0]?.parts, [
      { fileData: { fileUri: uri } },
    ]);
  });

  it('rejects a data URL that is not base64', () => {
    const error = refusal(() => userParts([{ type: 'image_url', image_url: { url: 'data:image/png,raw' } }]));
    assert.equal(error.code, 'invalid_request');
  });

  it('warns that image detail is not applied', () => {
    const { warnings } = userParts([
      { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/', detail: 'high' } },
    ]);
    assert.deepEqual(
      warnings.map((warning) => warning.param),
      ['image_url.detail'],
    );
  });

  it('turns input_audio and file data into inlineData; refuses OpenAI file ids', () => {
    const { contents } = userParts([
      { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
      { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
      { type: 'file', file: { file_data: 'JVBERi0=', filename: 'b.PDF' } },
    ]);
    assert.deepEqual(contents[0]?.parts, [
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ]);
    assertUnsupported(
      { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] },
      'messages[0].content[0].file.file_id',
    );
  });

  it('warns about prompt cache breakpoints', () => {
    const { warnings } = userParts([{ type: 'text', text: 'x', prompt_cache_breakpoint: { mode: 'explicit' } }]);
    assert.deepEqual(
      warnings.map((warning) => warning.param),
      ['prompt_cache_breakpoint'],
    );
  });
});

describe('convertRequest: tool calls in the history', () => {
  const history = (toolCalls: unknown[], toolMessages: unknown[]) => [
    { role: 'user', content: 'Weather in Paris and Rome?' },
    { role: 'assistant', content: 'Let me check.', tool_calls: toolCalls },
    ...toolMessages,
  ];
  const weather = (id: string, city: string) => ({
    id,
    type: 'function',
    function: { name: 'get_weather', arguments: JSON.stringify({ city }) },
  });

  it('turns tool_calls into functionCall parts and tool messages into functionResponse parts named by lookup', () => {
    const { contents } = convertRequest(
      request({
        messages: [
          ...history(
            [
              weather('call_a', 'Paris'),
              { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
            ],
            [
              { role: 'tool', tool_call_id: 'call_b', content: '12:00' },
              {
                role: 'tool',
                tool_call_id: 'call_a',
                content: [
                  { type: 'text', text: 'sun' },
                  { type: 'text', text: 'ny' },
                ],
              },
            ],
          ),
          { role: 'user', content: 'Thanks' },
        ],
      }),
      MODEL,
    );
    assert.deepEqual(contents, [
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Let me check.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_time', args: { tz: 'CET' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_time', response: { output: '12:00' } } },
          { functionResponse: { name: 'get_weather', response: { output: 'sunny' } } },
          { text: 'Thanks' },
        ],
      },
    ]);
  });

  it('treats empty arguments as no arguments', () => {
    const { contents } = convertRequest(
      request({ messages: history([{ id: 'c', type: 'function', function: { name: 'now', arguments: '' } }], []) }),
      MODEL,
    );
    assert.deepEqual(contents[1]?.parts?.[1], { functionCall: { name: 'now', args: {} } });
  });

  it('refuses arguments that are not JSON, or not an object', () => {
    for (const args of ['{"city": Par', '[1,2]', '"Paris"']) {
      const error = refusal(() =>
        convertRequest(
          request({ messages: history([{ id: 'c', type: 'function', function: { name: 'w', arguments: args } }], []) }),
          MODEL,
        ),
      );
      assert.deepEqual([error.code, error.param], ['invalid_request', 'messages[1].tool_calls[0].function.arguments']);
    }
  });

  it('refuses a tool message whose id no earlier assistant message issued', () => {
    const error = refusal(() =>
      convertRequest(
        request({
          messages: history([weather('call_a', 'Paris')], [{ role: 'tool', tool_call_id: 'call_zzz', content: 'x' }]),
        }),
        MODEL,
      ),
    );
    assert.deepEqual([error.code, error.param], ['invalid_request', 'messages[2].tool_call_id']);
    assert.match(error.message, /call_zzz/);
  });

  it('refuses custom tool calls, deprecated function_call and audio in the history', () => {
    assertUnsupported(
      { messages: history([{ id: 'c', type: 'custom', custom: { name: 'x', input: 'y' } }], []) },
      'messages[1].tool_calls[0].type',
    );
    assertUnsupported(
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } },
        ],
      },
      'messages[1].function_call',
    );
    assertUnsupported(
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', audio: { id: 'audio_1' } },
        ],
      },
      'messages[1].audio',
    );
  });

  it('adds the documented thought-signature bypass on the first call of each model turn for Gemini 3+', () => {
    const messages = [
      ...history(
        [weather('call_a', 'Paris'), weather('call_b', 'Rome')],
        [
          { role: 'tool', tool_call_id: 'call_a', content: 'sunny' },
          { role: 'tool', tool_call_id: 'call_b', content: 'rain' },
        ],
      ),
      { role: 'assistant', content: null, tool_calls: [weather('call_c', 'Oslo')] },
      { role: 'tool', tool_call_id: 'call_c', content: 'snow' },
    ];
    const { contents } = convertRequest(request({ messages }), 'gemini-3-pro-preview');
    const calls = contents
      .filter((content) => content.role === 'model')
      .map((content) => content.parts?.filter((part) => part.functionCall));
    assert.deepEqual(
      calls.map((parts) => parts?.map((part) => part.thoughtSignature)),
      [[SKIP_THOUGHT_SIGNATURE, undefined], [SKIP_THOUGHT_SIGNATURE]],
    );
    const older = convertRequest(request({ messages }), 'gemini-2.5-pro').contents;
    assert.ok(older.every((content) => content.parts?.every((part) => part.thoughtSignature === undefined)));
  });

  it("replays a signature kept in Google's OpenAI-compatible extra_content", () => {
    const call = { ...weather('call_a', 'Paris'), extra_content: { google: { thought_signature: 'c2lnbmF0dXJl' } } };
    const { contents } = convertRequest(request({ messages: history([call], []) }), 'gemini-3-flash');
    assert.equal(contents[1]?.parts?.[1]?.thoughtSignature, 'c2lnbmF0dXJl');
  });
});

describe('convertRequest: generation parameters', () => {
  it('maps sampling and length parameters', () => {
    const { config, warnings } = convertRequest(
      request({
        temperature: 0.7,
        top_p: 0.9,
        max_tokens: 100,
        n: 2,
        seed: 42,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        top_k: 40,
      }),
      MODEL,
    );
    assert.deepEqual(config, {
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 100,
      candidateCount: 2,
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
    });
    assert.deepEqual(warnings, []);
  });

  it('prefers max_completion_tokens over max_tokens; omits n: 1 and nulls', () => {
    const { config } = convertRequest(
      request({ max_tokens: 100, max_completion_tokens: 50, n: 1, temperature: null, seed: null }),
      MODEL,
    );
    assert.deepEqual(config, { maxOutputTokens: 50 });
  });

  it('maps stop to stopSequences, refusing more than Gemini takes', () => {
    assert.deepEqual(convertRequest(request({ stop: 'END' }), MODEL).config.stopSequences, ['END']);
    assert.deepEqual(convertRequest(request({ stop: ['a', 'b', 'c', 'd', 'e'] }), MODEL).config.stopSequences, [
      'a',
      'b',
      'c',
      'd',
      'e',
    ]);
    assert.equal(convertRequest(request({ stop: [] }), MODEL).config.stopSequences, undefined);
    assertUnsupported({ stop: ['a', 'b', 'c', 'd', 'e', 'f'] }, 'stop');
  });

  it('maps logprobs and top_logprobs', () => {
    assert.deepEqual(convertRequest(request({ logprobs: true, top_logprobs: 3 }), MODEL).config, {
      responseLogprobs: true,
      logprobs: 3,
    });
    assert.deepEqual(convertRequest(request({ logprobs: true, top_logprobs: 0 }), MODEL).config, {
      responseLogprobs: true,
    });
    assert.deepEqual(convertRequest(request({ logprobs: false }), MODEL).config, {});
    const error = refusal(() => convertRequest(request({ top_logprobs: 2 }), MODEL));
    assert.deepEqual([error.code, error.param], ['invalid_request', 'top_logprobs']);
  });

  it('maps response_format', () => {
    assert.deepEqual(convertRequest(request({ response_format: { type: 'text' } }), MODEL).config, {});
    assert.deepEqual(convertRequest(request({ response_format: { type: 'json_object' } }), MODEL).config, {
      responseMimeType: 'application/json',
    });
    const { config } = convertRequest(
      request({
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'answer',
            strict: true,
            schema: {
              $schema: 'https://json-schema.org/draft/2020-12/schema',
              type: 'object',
              properties: { kind: { const: 'cat' } },
              required: ['kind'],
              additionalProperties: false,
            },
          },
        },
      }),
      MODEL,
    );
    assert.deepEqual(config, {
      responseMimeType: 'application/json',
      responseJsonSchema: {
        type: 'object',
        properties: { kind: { enum: ['cat'] } },
        required: ['kind'],
        additionalProperties: false,
      },
    });
  });

  it('maps reasoning_effort to thinkingConfig', () => {
    assert.deepEqual(convertRequest(request({ reasoning_effort: 'low' }), 'gemini-3-pro-preview').config, {
      thinkingConfig: { thinkingLevel: 'LOW' },
    });
    assert.deepEqual(convertRequest(request({ reasoning_effort: 'none' }), 'gemini-2.5-flash').config, {
      thinkingConfig: { thinkingBudget: 0 },
    });
  });

  it('refuses what Gemini cannot produce, before any network call', () => {
    assertUnsupported({ audio: { format: 'mp3', voice: 'alloy' } }, 'audio');
    assertUnsupported({ modalities: ['text', 'audio'] }, 'modalities');
    assertUnsupported({ functions: [{ name: 'f' }] }, 'functions');
    assertUnsupported({ function_call: 'auto' }, 'function_call');
    assertUnsupported({ web_search_options: {} }, 'web_search_options');
    assertUnsupported({ moderation: { model: 'omni-moderation-latest' } }, 'moderation');
    assert.deepEqual(convertRequest(request({ modalities: ['text'] }), MODEL).warnings, []);
  });

  it('warns about what it does not apply, naming each parameter once', () => {
    const { warnings, config } = convertRequest(
      request({
        logit_bias: { '50256': -100 },
        prediction: { type: 'content', content: 'x' },
        user: 'u',
        safety_identifier: 's',
        metadata: { a: 'b' },
        store: true,
        service_tier: 'flex',
        prompt_cache_key: 'k',
        prompt_cache_retention: '24h',
        verbosity: 'low',
        parallel_tool_calls: false,
        tools: [{ type: 'function', function: { name: 'f' } }],
        some_vendor_field: 1,
      }),
      MODEL,
    );
    assert.deepEqual(warnings.map((warning) => warning.param).sort(), [
      'logit_bias',
      'metadata',
      'parallel_tool_calls',
      'prediction',
      'prompt_cache_key',
      'prompt_cache_retention',
      'safety_identifier',
      'service_tier',
      'some_vendor_field',
      'store',
      'user',
      'verbosity',
    ]);
    assert.ok(warnings.every((warning) => warning.message.length > 0));
    assert.deepEqual(config.tools, [{ functionDeclarations: [{ name: 'f' }] }]);
  });

  it('does not warn about defaults that change nothing', () => {
    const { warnings } = convertRequest(
      request({
        logit_bias: {},
        metadata: {},
        store: false,
        service_tier: 'auto',
        parallel_tool_calls: true,
        stream: true,
        stream_options: { include_usage: true },
      }),
      MODEL,
    );
    assert.deepEqual(warnings, []);
  });
});
