/**
 * The OpenAI passthrough is invisible: against an OpenAI-compatible upstream that answers like real
 * deployments (mocks/compatible-mock.ts), the client gets exactly the upstream's answer — the same JSON
 * bytes, the same SSE bytes — and the upstream gets every field the client sent. Run with both transports
 * (fetch, the default; undici, what `npm start` uses).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import {
  ANNOTATIONS,
  AZURE_CONTENT_FILTER,
  AZURE_PROMPT_FILTER,
  COMPATIBLE_ID,
  REASONING,
  startCompatibleMock,
  VENDOR_MESSAGE,
  VENDOR_TOP,
} from '../../mocks/compatible-mock.ts';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { UNSTREAMABLE_MODEL } from '../../mocks/openai-mock.ts';
import { fetchTransport, type HttpTransport } from '../../providers/shared/http-transport.ts';
import { undiciTransport } from '../../src/transport/undici-transport.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

const messages = [{ role: 'user', content: 'Hello' }];

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const transports: Array<[string, HttpTransport]> = [
  ['fetch', fetchTransport],
  ['undici', undiciTransport],
];

for (const [transportName, transport] of transports) {
  describe(`passthrough over ${transportName}: the upstream's answer, as it came`, () => {
    let compat: MockUpstream;
    let h: Harness;
    let internal: Harness;
    before(async () => {
      compat = await startCompatibleMock();
      const env = { OPENAI_BASE_URL: `${compat.url}/v1` };
      h = await startHarness({ env, transport });
      internal = await startHarness({ env, transport, configText: 'policy:\n  streamInternally: always\n' });
    });
    after(async () => {
      await h.close();
      await internal.close();
      await compat.close();
    });

    test('JSON: the same bytes as the upstream sent, every real-world field included', async () => {
      const body = { model: 'gpt-4o-mini', messages };
      const direct = await (await post(`${compat.url}/v1`, body)).text();
      const answer = await post(h.baseURL, body);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-switchyard-provider'), 'openai');
      const text = await answer.text();
      assert.equal(text, direct);
      const parsed = JSON.parse(text);
      assert.equal(parsed.id, COMPATIBLE_ID);
      assert.deepEqual(parsed.prompt_filter_results, AZURE_PROMPT_FILTER);
      assert.deepEqual(parsed.choices[0].content_filter_results, AZURE_CONTENT_FILTER);
      assert.deepEqual(parsed.choices[0].message.annotations, ANNOTATIONS);
      assert.equal(parsed.choices[0].message.reasoning_content, REASONING.join(''));
      assert.equal(parsed.usage.completion_tokens_details.reasoning_tokens, 2);
      // A plain JSON call upstream, not a stream.
      assert.equal(
        compat.requests.at(-1)?.body && (compat.requests.at(-1)!.body as Record<string, unknown>).stream,
        false,
      );
    });

    test('JSON streamed internally (streamInternally: always): the rebuilt answer keeps every field', async () => {
      const body = { model: 'gpt-4o-mini', messages };
      const direct = JSON.parse(await (await post(`${compat.url}/v1`, body)).text());
      const answer = await post(internal.baseURL, body);
      assert.equal(answer.status, 200);
      const rebuilt = await answer.json();
      assert.equal((compat.requests.at(-1)!.body as Record<string, unknown>).stream, true);
      assert.equal(rebuilt.id, COMPATIBLE_ID);
      assert.deepEqual(rebuilt.prompt_filter_results, AZURE_PROMPT_FILTER);
      assert.deepEqual(rebuilt.x_vendor_trace, VENDOR_TOP.x_vendor_trace);
      const choice = rebuilt.choices[0];
      assert.equal(choice.message.content, direct.choices[0].message.content);
      assert.equal(choice.message.reasoning_content, REASONING.join(''));
      assert.deepEqual(choice.message.annotations, ANNOTATIONS);
      assert.deepEqual(choice.message.provider_specific_fields, VENDOR_MESSAGE.provider_specific_fields);
      assert.deepEqual(choice.content_filter_results, AZURE_CONTENT_FILTER);
      assert.equal(choice.finish_reason, 'stop');
      assert.deepEqual(rebuilt.usage, direct.usage);
      assert.equal('obfuscation' in rebuilt, false);
    });

    for (const includeUsage of [false, true]) {
      test(`stream${includeUsage ? ' with include_usage' : ''}: the client receives the upstream's events byte for byte`, async () => {
        const body = {
          model: 'gpt-4o-mini',
          messages,
          stream: true,
          ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
        };
        const direct = await (await post(`${compat.url}/v1`, body)).text();
        const answer = await post(h.baseURL, body);
        assert.equal(answer.status, 200);
        assert.match(answer.headers.get('content-type') ?? '', /text\/event-stream/);
        const text = await answer.text();
        assert.equal(text, direct);
        assert.ok(text.endsWith('data: [DONE]\n\n'));
        assert.equal(text.includes('"reasoning_content"'), true);
        assert.equal(text.includes('"prompt_filter_results"'), true);
        // A usage chunk only when the client asked for one.
        assert.equal(/"choices":\s*\[\],\s*"usage":\s*\{/.test(text), includeUsage);
      });
    }

    test('the upstream receives every field the client sent, vendor extensions included', async () => {
      const body = {
        model: 'gpt-4o-mini',
        messages,
        temperature: 0.2,
        top_k: 40,
        chat_template_kwargs: { enable_thinking: true },
        web_search_options: { search_context_size: 'low' },
        metadata: { team: 'search' },
        store: false,
        stream: true,
        stream_options: { include_usage: true, include_obfuscation: false },
      };
      const answer = await post(h.baseURL, body);
      assert.equal(answer.status, 200);
      await answer.text();
      assert.deepEqual(compat.requests.at(-1)?.body, body);
    });

    test('the official openai SDK reads the relayed fields (JSON and stream)', async () => {
      const client = new OpenAI({ baseURL: h.baseURL, apiKey: 'unused', maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      assert.deepEqual(completion.choices[0]?.message.annotations, ANNOTATIONS);
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
      });
      let reasoning = '';
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as { reasoning_content?: string } | undefined;
        reasoning += delta?.reasoning_content ?? '';
      }
      assert.equal(reasoning, REASONING.join(''));
    });
  });
}

describe('a model the organization may not stream', () => {
  let h: Harness;
  let internal: Harness;
  before(async () => {
    h = await startHarness();
    internal = await startHarness({ configText: 'policy:\n  streamInternally: always\n', shareMocksWith: h });
  });
  after(async () => {
    await internal.close();
    await h.close();
  });

  test('a non-streaming request succeeds by default: it is sent as a plain call', async () => {
    h.openai.reset();
    const answer = await post(h.baseURL, { model: UNSTREAMABLE_MODEL, messages });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'openai');
    assert.deepEqual(
      h.openai.requests.map((request) => (request.body as Record<string, unknown>).stream),
      [false],
    );
  });

  test('with streamInternally: always, the refused stream is asked again once as a plain call — not a failover, not a health failure', async () => {
    h.openai.reset();
    const answer = await post(internal.baseURL, { model: UNSTREAMABLE_MODEL, messages });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'openai');
    assert.equal(answer.headers.get('x-switchyard-fallback-reason'), null);
    assert.deepEqual(
      h.openai.requests.map((request) => (request.body as Record<string, unknown>).stream),
      [true, false],
    );
    assert.equal(h.anthropic.requests.length, 0);
    const report = internal.gateway.deps.health.get('openai');
    assert.equal(report.state, 'healthy');
    const logs = internal.logs.filter((line) => line.msg === 'attempt_failed');
    assert.deepEqual(logs, []);
  });

  test('a streaming client asking for that model gets the 400 as it is', async () => {
    h.openai.reset();
    const answer = await post(h.baseURL, { model: UNSTREAMABLE_MODEL, messages, stream: true });
    assert.equal(answer.status, 400);
    const body = await answer.json();
    assert.equal(body.error.param, 'stream');
    assert.equal(h.anthropic.requests.length, 0);
  });
});
