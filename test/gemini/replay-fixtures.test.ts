/**
 * Answers recorded from the real Gemini API, replayed through the whole gateway to the official `openai` SDK:
 * thought signatures out and back, tool calls without arguments, streamed function arguments, thought parts.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { type ReplayGateway, startReplayGateway } from '../support/replay-gateway.ts';
import { fixtureNames, readFixture, SKIP_WITHOUT_FIXTURES } from '../support/replay-upstream.ts';

const CONFIG = `
routes:
  replay-gemini:
    targets: ["gemini:gemini-3-pro-preview"]
    policy: { maxAttempts: 1 }
  replay-gemini-json:
    targets: ["gemini:gemini-3-pro-preview"]
    policy: { maxAttempts: 1, streamInternally: false }
`;

const weather: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'weather',
    strict: true,
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' } },
      required: ['location'],
      additionalProperties: false,
    },
  },
};
const screenTools: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'read_theme',
      strict: true,
      parameters: { type: 'object', properties: {}, additionalProperties: false },
    },
  },
  {
    type: 'function',
    function: {
      name: 'read_screen',
      strict: true,
      parameters: {
        type: 'object',
        properties: { id: { type: 'string' } },
        required: ['id'],
        additionalProperties: false,
      },
    },
  },
];
const user: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in San Francisco?' }];

function signatureOf(value: object | undefined): unknown {
  if (value === undefined || !('extra_content' in value)) return undefined;
  const extra = value.extra_content;
  if (typeof extra !== 'object' || extra === null || !('google' in extra)) return undefined;
  const google = extra.google;
  return typeof google === 'object' && google !== null && 'thought_signature' in google
    ? google.thought_signature
    : undefined;
}

function reasoningOf(value: object | undefined): unknown {
  return value !== undefined && 'reasoning_content' in value ? value.reasoning_content : undefined;
}

/** The recorded signature of the first function call of a fixture (JSON, or the first line of chunks). */
function recordedSignature(file: string): string {
  const text = readFixture('google', file);
  const sources = file.endsWith('.json') ? [text] : text.trim().split('\n');
  type Recorded = {
    candidates?: Array<{ content?: { parts?: Array<{ functionCall?: unknown; thoughtSignature?: string }> } }>;
  };
  const parts = sources.flatMap((source) => (JSON.parse(source) as Recorded).candidates?.[0]?.content?.parts ?? []);
  const signature = parts.find((part) => part.functionCall !== undefined && part.thoughtSignature)?.thoughtSignature;
  assert.ok(signature, `${file} records a signature`);
  return signature;
}

describe('Gemini recorded answers through the gateway', { skip: SKIP_WITHOUT_FIXTURES }, () => {
  let g: ReplayGateway;
  before(async () => {
    g = await startReplayGateway('google', CONFIG);
  });
  after(() => g.close());

  describe('thought signatures (google-tool-call-gemini3)', () => {
    it('JSON: the tool call carries extra_content.google.thought_signature exactly as recorded', async () => {
      g.play('google-tool-call-gemini3', 'json');
      const completion = await g.client.chat.completions.parse({
        model: 'replay-gemini-json',
        messages: user,
        tools: [weather],
      });
      const call = completion.choices[0]?.message.tool_calls?.[0];
      assert.equal(call?.type, 'function');
      assert.deepEqual(call.function.parsed_arguments, { location: 'San Francisco' });
      assert.equal(signatureOf(call), recordedSignature('google-tool-call-gemini3.json'));
    });

    it('stream: the delta that opens the call carries it, and so does the JSON rebuilt from the stream', async () => {
      g.play('google-tool-call-gemini3', 'chunks');
      const stream = await g.client.chat.completions.create({
        model: 'replay-gemini',
        messages: user,
        tools: [weather],
        stream: true,
      });
      const opening: object[] = [];
      for await (const chunk of stream) {
        for (const call of chunk.choices[0]?.delta.tool_calls ?? []) if (call.id) opening.push(call);
      }
      assert.equal(opening.length, 1);
      const expected = recordedSignature('google-tool-call-gemini3.chunks.txt');
      assert.equal(signatureOf(opening[0]), expected);

      g.play('google-tool-call-gemini3', 'chunks');
      const rebuilt = await g.client.chat.completions.create({
        model: 'replay-gemini',
        messages: user,
        tools: [weather],
      });
      assert.equal(signatureOf(rebuilt.choices[0]?.message.tool_calls?.[0]), expected);
    });

    async function nextTurn(
      assistant: ChatCompletionMessageParam,
      callId: string,
    ): Promise<{ thoughtSignature?: string } | undefined> {
      g.play('google-text', 'json');
      const request: ChatCompletionCreateParamsNonStreaming = {
        model: 'replay-gemini-json',
        tools: [weather],
        messages: [...user, assistant, { role: 'tool', tool_call_id: callId, content: '18°C, fog' }],
      };
      const { response } = await g.client.chat.completions.create(request).withResponse();
      const contents = g.replay.requests[0]?.body.contents as Array<{
        role: string;
        parts: Array<{ thoughtSignature?: string }>;
      }>;
      lastWarnings = response.headers.get('x-switchyard-warnings') ?? '';
      return contents.find((content) => content.role === 'model')?.parts[0];
    }
    let lastWarnings = '';

    it('the next turn sends the signature back exactly, from extra_content or, when the client dropped it, from memory', async () => {
      g.play('google-tool-call-gemini3', 'json');
      const first = await g.client.chat.completions.create({
        model: 'replay-gemini-json',
        messages: user,
        tools: [weather],
      });
      const message = first.choices[0]?.message;
      const call = message?.tool_calls?.[0];
      assert.ok(call && call.type === 'function');
      const expected = recordedSignature('google-tool-call-gemini3.json');

      const kept = await nextTurn({ role: 'assistant', content: null, tool_calls: [call] }, call.id);
      assert.equal(kept?.thoughtSignature, expected);

      // What most clients replay: only the OpenAI fields.
      const dropped = {
        id: call.id,
        type: 'function' as const,
        function: { name: call.function.name, arguments: call.function.arguments },
      };
      const remembered = await nextTurn({ role: 'assistant', content: null, tool_calls: [dropped] }, call.id);
      assert.equal(remembered?.thoughtSignature, expected);
      assert.doesNotMatch(lastWarnings, /thought_signature/);
    });

    it("a call the gateway never answered gets Google's bypass value, and a warning says so", async () => {
      const stranger = {
        id: 'call_fromAnotherProvider000000',
        type: 'function' as const,
        function: { name: 'weather', arguments: '{"location":"Oslo"}' },
      };
      const part = await nextTurn({ role: 'assistant', content: null, tool_calls: [stranger] }, stranger.id);
      assert.equal(part?.thoughtSignature, 'skip_thought_signature_validator');
      assert.match(lastWarnings, /thought_signature/);
      // Counted where operators look: the request's log line names the bypass.
      const line = g.h.logs.filter((entry) => entry.event === 'request').at(-1);
      assert.match(String(line?.warnings), /thought_signature/);
    });
  });

  describe('tool calls without arguments and streamed arguments (google-stream-no-args-tool-call)', () => {
    const ask = {
      model: 'replay-gemini',
      messages: [{ role: 'user' as const, content: 'Read the theme, then screens A, B and C.' }],
      tools: screenTools,
    };

    it('stream().finalChatCompletion() parses every call: {} for read_theme, whole arguments for each read_screen', async () => {
      g.play('google-stream-no-args-tool-call', 'chunks');
      const completion = await g.client.chat.completions.stream(ask).finalChatCompletion();
      const calls = (completion.choices[0]?.message.tool_calls ?? []).map((call) =>
        call.type === 'function' ? [call.function.name, call.function.parsed_arguments] : [],
      );
      assert.deepEqual(calls, [
        ['read_theme', {}],
        ['read_screen', { id: 'A' }],
        ['read_screen', { id: 'B' }],
        ['read_screen', { id: 'C' }],
      ]);
      assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
      assert.equal(
        signatureOf(completion.choices[0]?.message.tool_calls?.[0]),
        recordedSignature('google-stream-no-args-tool-call.chunks.txt'),
      );
    });

    it('parse() on the JSON rebuilt from the stream gets the same calls', async () => {
      g.play('google-stream-no-args-tool-call', 'chunks');
      const completion = await g.client.chat.completions.parse(ask);
      const calls = completion.choices[0]?.message.tool_calls ?? [];
      assert.equal(calls.length, 4);
      assert.deepEqual(calls[0]?.type === 'function' ? calls[0].function.parsed_arguments : undefined, {});
      assert.ok(signatureOf(calls[0]), 'the recorded signature of read_theme is kept');
    });

    it('thought parts: left out by default, reasoning_content with include_reasoning', async () => {
      g.play('google-stream-no-args-tool-call', 'chunks');
      const plain = await g.client.chat.completions.create(ask);
      assert.equal(reasoningOf(plain.choices[0]?.message), undefined);
      assert.equal(plain.choices[0]?.message.content, null);

      g.play('google-stream-no-args-tool-call', 'chunks');
      const opted: ChatCompletionCreateParamsNonStreaming & { include_reasoning: boolean } = {
        ...ask,
        include_reasoning: true,
      };
      const withThoughts = await g.client.chat.completions.create(opted);
      assert.match(String(reasoningOf(withThoughts.choices[0]?.message)), /^\*\*Processing User Requests\*\*/);
      assert.equal(withThoughts.choices[0]?.message.content, null, 'thoughts never leak into content');
    });
  });

  it('every recording, streamed and JSON, reaches the openai SDK with parseable tool arguments and a finish reason', async () => {
    const runs: Array<[string, 'chunks' | 'json']> = [
      ...fixtureNames('google', '.chunks.txt').map((name): [string, 'chunks'] => [name, 'chunks']),
      ...fixtureNames('google', '.json').map((name): [string, 'json'] => [name, 'json']),
    ];
    assert.ok(runs.length >= 15);
    for (const [name, kind] of runs) {
      g.play(name, kind);
      const completion =
        kind === 'chunks'
          ? await g.client.chat.completions.stream({ model: 'replay-gemini', messages: user }).finalChatCompletion()
          : await g.client.chat.completions.create({ model: 'replay-gemini-json', messages: user });
      assert.ok(completion.choices[0]?.finish_reason, `${name}: finish reason`);
      for (const call of completion.choices[0]?.message.tool_calls ?? []) {
        assert.ok(call.type === 'function' && call.function.name !== '', `${name}: a named function call`);
        const args: unknown = JSON.parse(call.function.arguments);
        assert.ok(
          typeof args === 'object' && args !== null && !Array.isArray(args),
          `${name}: arguments are a JSON object`,
        );
      }
    }
  });

  it('text with a trailing empty signed part ends cleanly (issue-18073-empty-text-thought-signature)', async () => {
    g.play('issue-18073-empty-text-thought-signature', 'chunks');
    const completion = await g.client.chat.completions.create({ model: 'replay-gemini', messages: user });
    assert.equal(completion.choices[0]?.message.content, '4');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(completion.usage?.completion_tokens_details?.reasoning_tokens, 52);
  });
});
