/**
 * Streams reach the client as the provider produces them (timed, not only counted), and a client that
 * disconnects cancels the upstream request.
 */

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { anthropicError } from '../../mocks/anthropic-mock.ts';
import { openaiFaults } from '../../mocks/openai-mock.ts';
import { eventually, type Harness, startHarness } from '../helpers/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ random: () => 0 });
});
after(() => h.close());
beforeEach(() => h.reset());

type Served = 'openai' | 'anthropic' | 'gemini';
function route(h: Harness, to: Served): void {
  if (to !== 'openai') h.openai.failAlways(openaiFaults.serverError());
  if (to === 'gemini')
    h.anthropic.failAlways({
      kind: 'status',
      status: 529,
      body: anthropicError(529, 'overloaded_error', 'Overloaded'),
    });
}

async function postStream(h: Harness, signal?: AbortSignal): Promise<Response> {
  return fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Count slowly' }] }),
    ...(signal ? { signal } : {}),
  });
}

for (const provider of ['openai', 'anthropic', 'gemini'] as const) {
  describe(`${provider} serving`, () => {
    test('chunks arrive spread over time as the provider sends them, not bunched at the end', async () => {
      route(h, provider);
      const delay = 120;
      for (const mock of h.mocks) {
        mock.timing = { firstByteDelayMs: 0, chunkDelayMs: delay };
        mock.script = { text: ['one ', 'two ', 'three ', 'four ', 'five'] };
      }
      const response = await postStream(h);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-switchyard-provider'), provider);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      const arrivals: Array<{ at: number; text: string }> = [];
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.replace(/^data: /, '');
          if (data === '[DONE]') continue;
          const content = (JSON.parse(data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta
            .content;
          if (content) arrivals.push({ at: performance.now(), text: content });
        }
      }
      assert.equal(arrivals.map((a) => a.text).join(''), 'one two three four five');
      assert.equal(arrivals.length, 5);
      const gaps = arrivals.slice(1).map((a, i) => a.at - arrivals[i]!.at);
      // Each piece must arrive on its own, roughly one provider interval after the previous one.
      for (const gap of gaps)
        assert.ok(gap > delay * 0.5, `chunks bunched: gaps ${gaps.map(Math.round).join(', ')} ms`);
    });

    test('a client that disconnects mid-stream cancels the upstream request', async () => {
      route(h, provider);
      const served = h[provider];
      for (const mock of h.mocks) {
        mock.timing = { firstByteDelayMs: 0, chunkDelayMs: 150 };
        mock.script = { text: Array.from({ length: 40 }, (_, i) => `t${i} `) };
      }
      const controller = new AbortController();
      const response = await postStream(h, controller.signal);
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await eventually(() => served.abortedRequests >= 1, 3000, `${provider} upstream aborted`);
      await eventually(() => served.inFlight === 0, 3000, `${provider} nothing in flight`);
    });
  });
}

test('a client that disconnects before the answer cancels the upstream call (non-streaming)', async () => {
  h.openai.failAlways({ kind: 'hang' });
  const controller = new AbortController();
  const pending = fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
    signal: controller.signal,
  }).catch(() => undefined);
  await eventually(() => h.openai.inFlight === 1, 2000, 'request reached OpenAI');
  controller.abort();
  await pending;
  await eventually(() => h.openai.abortedRequests === 1 && h.openai.inFlight === 0, 3000, 'OpenAI call aborted');
  assert.equal(h.anthropic.chatCalls + h.gemini.chatCalls, 0, 'a gone client is not failed over');
});
