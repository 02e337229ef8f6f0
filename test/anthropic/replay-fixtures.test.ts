/**
 * Answers recorded from the real Anthropic API, replayed through the whole gateway to the official `openai`
 * SDK: JSON, streamed, and JSON rebuilt from the internal stream (the default for non-streaming clients).
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ContentFilterFinishReasonError } from 'openai/error';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionTool } from 'openai/resources/chat/completions';
import { type ReplayGateway, startReplayGateway } from '../support/replay-gateway.ts';
import { fixtureNames, readFixture, SKIP_WITHOUT_FIXTURES } from '../support/replay-upstream.ts';

const MODEL = 'claude-sonnet-4-5';
const CONFIG = `
routes:
  replay-claude:
    targets: ["anthropic:${MODEL}"]
    policy: { maxAttempts: 2, maxAttemptsPerProvider: 2, baseDelayMs: 0, maxDelayMs: 0 }
  replay-claude-json:
    targets: ["anthropic:${MODEL}"]
    policy: { maxAttempts: 1, streamInternally: false }
  replay-claude-reasoning:
    targets: ["anthropic:${MODEL}"]
    policy: { maxAttempts: 1, streamInternally: false }
    includeReasoning: true
`;

const noArgsTool: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'updateIssueList',
    strict: true,
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  },
};
/** The `reasoning_content` extension field of a message or delta, if any. */
function reasoningOf(value: object | undefined): unknown {
  return value !== undefined && 'reasoning_content' in value ? value.reasoning_content : undefined;
}

const user = [{ role: 'user' as const, content: 'Update the issue list.' }];

describe('Anthropic recorded answers through the gateway', { skip: SKIP_WITHOUT_FIXTURES }, () => {
  let g: ReplayGateway;
  before(async () => {
    g = await startReplayGateway('anthropic', CONFIG);
  });
  after(() => g.close());

  describe('a tool called without arguments (anthropic-tool-no-args)', () => {
    it('parse() on the JSON rebuilt from the stream gets {} as parsed arguments', async () => {
      g.play('anthropic-tool-no-args', 'chunks');
      const completion = await g.client.chat.completions.parse({
        model: 'replay-claude',
        messages: user,
        tools: [noArgsTool],
      });
      const call = completion.choices[0]?.message.tool_calls?.[0];
      assert.equal(call?.type, 'function');
      assert.equal(call.function.arguments, '{}');
      assert.deepEqual(call.function.parsed_arguments, {});
      assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    });

    it('stream().finalChatCompletion() gets {} as parsed arguments', async () => {
      g.play('anthropic-tool-no-args', 'chunks');
      const stream = g.client.chat.completions.stream({ model: 'replay-claude', messages: user, tools: [noArgsTool] });
      const completion = await stream.finalChatCompletion();
      const call = completion.choices[0]?.message.tool_calls?.[0];
      assert.equal(call?.type, 'function');
      assert.equal(call.id, 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP');
      assert.deepEqual(call.function.parsed_arguments, {});
      assert.equal(completion.choices[0]?.message.content, "I'll update the issue list for you.");
    });

    it('parse() on the JSON answer gets {} as well', async () => {
      g.play('anthropic-tool-no-args', 'json');
      const completion = await g.client.chat.completions.parse({
        model: 'replay-claude-json',
        messages: user,
        tools: [noArgsTool],
      });
      const call = completion.choices[0]?.message.tool_calls?.[0];
      assert.equal(call?.type, 'function');
      assert.deepEqual(call.function.parsed_arguments, {});
    });
  });

  describe('a second message spliced into a tool call (spliced-message-start)', () => {
    it('a streaming client gets an error instead of a finish, and never the second message', async () => {
      g.play('spliced-message-start', 'chunks');
      const stream = await g.client.chat.completions.create({ model: 'replay-claude', messages: user, stream: true });
      const seen: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      await assert.rejects(
        async () => {
          for await (const chunk of stream) seen.push(chunk);
        },
        (error: unknown) => error instanceof OpenAI.APIError,
      );
      assert.ok(
        seen.every((chunk) => chunk.choices.every((choice) => choice.finish_reason === null)),
        'no finish_reason was sent',
      );
      const ids = seen
        .flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []).map((call) => call.id))
        .filter(Boolean);
      assert.deepEqual(ids, ['toolu_first']);
    });

    it('a JSON client never gets the broken answer: the attempt is retried, then the request fails', async () => {
      g.play('spliced-message-start', 'chunks');
      await assert.rejects(
        g.client.chat.completions.create({ model: 'replay-claude', messages: user }),
        (error: unknown) => error instanceof OpenAI.APIError && error.status !== undefined && error.status >= 500,
      );
      assert.equal(g.replay.requests.length, 2, 'the broken stream counted as a retryable failure');
    });
  });

  it('a duplicated message_start before any content is harmless (issue-18331-duplicate-message-start)', async () => {
    g.play('issue-18331-duplicate-message-start', 'chunks');
    const completion = await g.client.chat.completions.create({ model: 'replay-claude', messages: user });
    assert.equal(completion.choices[0]?.message.content, 'ok');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(completion.usage?.prompt_tokens, 10, 'the usage of the repeated message_start counts');
  });

  describe('a refusal (anthropic-refusal)', () => {
    const explanation =
      "This request triggered restrictions on violative cyber content and was blocked under Anthropic's Usage Policy.";

    it('JSON: the explanation is message.refusal, finish content_filter; parse() throws ContentFilterFinishReasonError', async () => {
      g.play('anthropic-refusal', 'json');
      const completion = await g.client.chat.completions.create({ model: 'replay-claude-json', messages: user });
      assert.equal(completion.choices[0]?.message.refusal, explanation);
      assert.equal(completion.choices[0]?.message.content, null);
      assert.equal(completion.choices[0]?.finish_reason, 'content_filter');
      await assert.rejects(
        g.client.chat.completions.parse({ model: 'replay-claude-json', messages: user }),
        ContentFilterFinishReasonError,
      );
    });

    it('stream: a refusal delta before the content_filter finish, and in the rebuilt JSON', async () => {
      g.play('anthropic-refusal', 'chunks');
      const stream = await g.client.chat.completions.create({ model: 'replay-claude', messages: user, stream: true });
      let refusal = '';
      let finish: string | null = null;
      for await (const chunk of stream) {
        refusal += chunk.choices[0]?.delta.refusal ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.equal(refusal, explanation);
      assert.equal(finish, 'content_filter');
      g.play('anthropic-refusal', 'chunks');
      const rebuilt = await g.client.chat.completions.create({ model: 'replay-claude', messages: user });
      assert.equal(rebuilt.choices[0]?.message.refusal, explanation);
    });

    it('without stop_details the refusal stays null, still content_filter (anthropic-refusal-no-details)', async () => {
      g.play('anthropic-refusal-no-details', 'json');
      const completion = await g.client.chat.completions.create({ model: 'replay-claude-json', messages: user });
      assert.equal(completion.choices[0]?.message.refusal, null);
      assert.equal(completion.choices[0]?.finish_reason, 'content_filter');
    });
  });

  describe('reasoning', () => {
    const withReasoning = (model: string): ChatCompletionCreateParamsNonStreaming & { include_reasoning: boolean } => ({
      model,
      messages: user,
      include_reasoning: true,
    });

    it('off by default: thinking is not in the answer (anthropic-claude-sonnet-5-reasoning-summarized)', async () => {
      g.play('anthropic-claude-sonnet-5-reasoning-summarized', 'chunks');
      const completion = await g.client.chat.completions.create({ model: 'replay-claude', messages: user });
      assert.equal('reasoning_content' in (completion.choices[0]?.message ?? {}), false);
      assert.match(completion.choices[0]?.message.content ?? '', /21/);
    });

    it('include_reasoning: thinking deltas arrive as reasoning_content, and survive the JSON rebuild', async () => {
      g.play('anthropic-claude-sonnet-5-reasoning-summarized', 'chunks');
      const stream = await g.client.chat.completions.create({ ...withReasoning('replay-claude'), stream: true });
      let reasoning = '';
      for await (const chunk of stream) {
        const piece = reasoningOf(chunk.choices[0]?.delta);
        if (typeof piece === 'string') reasoning += piece;
      }
      assert.match(reasoning, /^I'm working through the Euclidean algorithm/);
      g.play('anthropic-claude-sonnet-5-reasoning-summarized', 'chunks');
      const completion = await g.client.chat.completions.create(withReasoning('replay-claude'));
      assert.equal(reasoningOf(completion.choices[0]?.message), reasoning);
      assert.equal(g.replay.requests[0]?.body.include_reasoning, undefined, 'the switch never reaches Anthropic');
    });

    it('the route switch turns it on for JSON answers too (anthropic-clear-thinking)', async () => {
      g.play('anthropic-clear-thinking.1', 'json');
      const route = await g.client.chat.completions.create({ model: 'replay-claude-reasoning', messages: user });
      assert.equal(reasoningOf(route.choices[0]?.message), '925 divided by 5 = 185');
      assert.equal(route.choices[0]?.message.content, '925 ÷ 5 = 185');
      const optOut: ChatCompletionCreateParamsNonStreaming & { include_reasoning: boolean } = {
        ...withReasoning('replay-claude-reasoning'),
        include_reasoning: false,
      };
      const optedOut = await g.client.chat.completions.create(optOut);
      assert.equal('reasoning_content' in (optedOut.choices[0]?.message ?? {}), false);
    });

    it('include_reasoning must be a boolean', async () => {
      const body = { model: 'replay-claude', messages: user, include_reasoning: 'yes' };
      const response = await fetch(`${g.h.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 400);
      const error = (await response.json()) as { error: { param: string } };
      assert.equal(error.error.param, 'include_reasoning');
    });
  });

  it('every other recording streams to finalChatCompletion() with parseable tool arguments and a finish reason', async () => {
    const broken = new Set(['spliced-message-start']);
    const names = fixtureNames('anthropic', '.chunks.txt').filter((name) => !broken.has(name));
    assert.ok(names.length >= 15);
    for (const name of names) {
      g.play(name, 'chunks');
      const completion = await g.client.chat.completions
        .stream({ model: 'replay-claude', messages: user })
        .finalChatCompletion();
      const choice = completion.choices[0];
      assert.ok(choice?.finish_reason, `${name}: finish reason`);
      for (const call of choice.message.tool_calls ?? []) {
        assert.ok(call.type === 'function');
        const args: unknown = JSON.parse(call.function.arguments);
        assert.ok(
          typeof args === 'object' && args !== null && !Array.isArray(args),
          `${name}: ${call.function.name} arguments are a JSON object`,
        );
      }
    }
  });

  it('a client tool call that message_start already holds is part of the answer (anthropic-message-start-prepopulated-content)', async () => {
    g.play('anthropic-message-start-prepopulated-content', 'chunks');
    const completion = await g.client.chat.completions
      .stream({ model: 'replay-claude', messages: user })
      .finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.id, 'toolu_followup');
    assert.deepEqual(JSON.parse(call.function.arguments), { id: 'customer_123' });
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
  });

  it('every JSON recording converts to a chat.completion whose tool arguments parse', async () => {
    const names = fixtureNames('anthropic', '.json');
    assert.ok(names.length >= 10);
    for (const name of names) {
      g.play(name, 'json');
      const completion = await g.client.chat.completions.create({ model: 'replay-claude-json', messages: user });
      assert.ok(completion.choices[0]?.finish_reason, `${name}: finish reason`);
      for (const call of completion.choices[0]?.message.tool_calls ?? []) {
        assert.ok(call.type === 'function');
        assert.equal(typeof JSON.parse(call.function.arguments), 'object', `${name}: ${call.function.name}`);
      }
    }
  });

  it('thinking + tools: the next turn sends the thinking block back with its signature (issue-13430-thinking-tool-call)', async () => {
    const recorded = JSON.parse(readFixture('anthropic', 'issue-13430-thinking-tool-call.json')) as {
      content: Array<{ type: string; thinking?: string; signature?: string }>;
    };
    g.play('issue-13430-thinking-tool-call', 'json');
    const first = await g.client.chat.completions.create({
      model: 'replay-claude-json',
      messages: user,
      tools: [noArgsTool],
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.id, 'toolu_017R7ACrx7NF7sLDDtvdQ1u9');
    assert.equal('reasoning_content' in (first.choices[0]?.message ?? {}), false);

    g.play('anthropic-text', 'json');
    await g.client.chat.completions.create({
      model: 'replay-claude-json',
      tools: [noArgsTool],
      messages: [
        ...user,
        { role: 'assistant', content: null, tool_calls: first.choices[0]?.message.tool_calls ?? [] },
        { role: 'tool', tool_call_id: call.id, content: 'no errors' },
      ],
    });
    const sent = g.replay.requests[0]?.body.messages as Array<{
      role: string;
      content: Array<Record<string, unknown>>;
    }>;
    const assistant = sent.find((message) => message.role === 'assistant');
    assert.deepEqual(assistant?.content[0], {
      type: 'thinking',
      thinking: recorded.content[0]?.thinking,
      signature: recorded.content[0]?.signature,
    });
    assert.equal(assistant?.content[1]?.type, 'tool_use');
  });
});
