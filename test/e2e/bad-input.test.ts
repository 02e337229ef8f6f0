/**
 * Bad request bodies never poison provider health (issue 9, point 1). Each body below used to pass validation
 * and make a translator or an SDK throw before any network call; the throw was classified as the provider's
 * server error, retried, failed over, and three of them tripped healthy providers for every client. Now the
 * validator refuses them with a 400 naming the field, translators' and SDKs' own pre-network refusals are
 * returned without being recorded, and a real bug of ours is a 500 in OpenAI's shape, logged with its stack.
 */

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { PROVIDERS } from '../../providers/registry.ts';
import { preflight } from '../../providers/shared/preflight.ts';
import type { Provider } from '../../providers/types.ts';
import type { BackgroundHealthMonitor } from '../../src/health/health-monitor.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { createTestHealth } from '../helpers/test-health.ts';

const MODELS = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-6', gemini: 'gemini-2.5-flash' } as const;
const user = (content: unknown) => ({ role: 'user', content });

/** A body with a tool schema `levels` deep, as JSON text (JSON.stringify itself overflows on it). */
function deepSchemaBody(levels: number): (model: string) => string {
  const schema = `${'{"type":"object","properties":{"a":'.repeat(levels)}{"type":"string"}${'}}'.repeat(levels)}`;
  return (model) =>
    `{"model":${JSON.stringify(model)},"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${schema}}}]}`;
}

/** The bodies from the issue, with the field the 400 must name. */
const BAD_BODIES: Array<[string, Body, string]> = [
  ['user content null', { messages: [user(null)] }, 'messages[0].content'],
  ['user content missing', { messages: [{ role: 'user' }] }, 'messages[0].content'],
  ['system content null', { messages: [{ role: 'system', content: null }, user('hi')] }, 'messages[0].content'],
  ['tool content missing', { messages: [user('hi'), { role: 'tool', tool_call_id: 'c1' }] }, 'messages[1].content'],
  ['image part without image_url', { messages: [user([{ type: 'image_url' }])] }, 'messages[0].content[0].image_url'],
  [
    'image_url without url',
    { messages: [user([{ type: 'image_url', image_url: {} }])] },
    'messages[0].content[0].image_url.url',
  ],
  ['text part without text', { messages: [user([{ type: 'text' }])] }, 'messages[0].content[0].text'],
  [
    'image part in a system message',
    {
      messages: [
        { role: 'system', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] },
        user('hi'),
      ],
    },
    'messages[0].content[0]',
  ],
  [
    'tool_calls not an array',
    { messages: [user('hi'), { role: 'assistant', content: null, tool_calls: 'x' }] },
    'messages[1].tool_calls',
  ],
  [
    'tool call without function',
    { messages: [user('hi'), { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function' }] }] },
    'messages[1].tool_calls[0].function',
  ],
  [
    'tool-call arguments as an object',
    {
      messages: [
        user('hi'),
        {
          role: 'assistant',
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: { a: 1 } } }],
        },
      ],
    },
    'messages[1].tool_calls[0].function.arguments',
  ],
  [
    'tool_choice function without function',
    { tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function' } },
    'tool_choice.function',
  ],
  ['tool_choice unknown string', { tool_choice: 'sometimes' }, 'tool_choice'],
  [
    'allowed_tools without tools',
    {
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto' } },
    },
    'tool_choice.allowed_tools.tools',
  ],
  [
    'response_format json_schema without json_schema',
    { response_format: { type: 'json_schema' } },
    'response_format.json_schema',
  ],
  [
    'json_schema schema not an object',
    { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: 'object' } } },
    'response_format.json_schema.schema',
  ],
  [
    'tool parameters not an object',
    { tools: [{ type: 'function', function: { name: 'f', parameters: 'none' } }] },
    'tools[0].function.parameters',
  ],
  ['tool schema nested 10,000 deep', { raw: deepSchemaBody(10_000) }, 'tools'],
  ['modalities a string', { modalities: 'audio' }, 'modalities'],
  [
    'too many tools',
    { tools: Array.from({ length: 129 }, (_, i) => ({ type: 'function', function: { name: `f${i}` } })) },
    'tools',
  ],
];

let h: Harness;
let health: BackgroundHealthMonitor;
let bug: Error | undefined;

/** The real providers, except that the Anthropic translator can be made to hit a bug. */
const providers = {
  ...PROVIDERS,
  anthropic: (settings: Parameters<(typeof PROVIDERS)['anthropic']>[0]): Provider => {
    const real = PROVIDERS.anthropic!(settings);
    return {
      ...real,
      chat: (call) => (bug ? Promise.reject(preflightBug(bug)) : real.chat(call)),
    };
  },
};

function preflightBug(error: Error): unknown {
  try {
    preflight('anthropic', () => {
      throw error;
    });
  } catch (failure) {
    return failure;
  }
  return undefined;
}

before(async () => {
  health = createTestHealth();
  h = await startHarness({ health, providers });
});
after(() => h.close());
beforeEach(async () => {
  bug = undefined;
  await h.reset();
});

type Body = Record<string, unknown> | { raw: (model: string) => string; model?: string };

async function chat(body: Body): Promise<{
  status: number;
  headers: Headers;
  body: { error?: { message: string; type: string; param: string | null; code: string | null } };
}> {
  const model = typeof body.model === 'string' ? body.model : MODELS.openai;
  const response = await h.gateway.app.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body:
      'raw' in body && typeof body.raw === 'function'
        ? body.raw(model)
        : JSON.stringify({ model: MODELS.openai, messages: [user('hi')], ...body }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as never };
}

/** Every provider healthy, with no provider-fault error recorded; and, unless it served, no request at all. */
async function assertHealthUntouched(served: string[] = []): Promise<void> {
  await health.tick();
  for (const provider of health.report().providers) {
    assert.equal(provider.state, 'healthy', `${provider.provider} state`);
    assert.equal(provider.short.errors, 0, `${provider.provider} errors`);
    if (!served.includes(provider.provider)) assert.equal(provider.short.requests, 0, `${provider.provider} requests`);
  }
  for (const name of ['openai', 'anthropic', 'gemini']) assert.equal(health.get(name).state, 'healthy', name);
}

describe('bodies the translators could not handle are 400s naming the field, on every provider path', () => {
  for (const [name, extra, param] of BAD_BODIES) {
    test(name, async () => {
      for (const model of Object.values(MODELS)) {
        // Five in a row: before the fix, three such requests tripped healthy providers.
        for (let i = 0; i < 5; i++) {
          const answer = await chat('raw' in extra ? ({ raw: extra.raw, model } as Body) : { model, ...extra });
          assert.equal(answer.status, 400, `${model}: ${JSON.stringify(answer.body)}`);
          assert.equal(answer.body.error?.type, 'invalid_request_error');
          assert.equal(answer.body.error?.param, param);
          assert.equal(answer.headers.get('x-should-retry'), 'false');
        }
      }
      for (const [index, mock] of h.mocks.entries()) assert.equal(mock.requests.length, 0, `mock ${index} was called`);
      await assertHealthUntouched();
    });
  }
});

describe("translators' and SDKs' own refusals before any network call", () => {
  test("a Gemini model name the SDK would refuse ('..', '/') is a 400 on 'model', not Gemini's failure", async () => {
    for (const model of ['gemini-2.5-flash/../../files', 'gemini-2.5-flash?alt=x', 'gemini-pro latest']) {
      for (let i = 0; i < 5; i++) {
        const answer = await chat({ model });
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body.error?.param, 'model');
        assert.equal(answer.headers.get('x-switchyard-attempts'), '1');
      }
    }
    assert.equal(h.gemini.requests.length, 0);
    await assertHealthUntouched();
  });

  test('a schema whose $refs would expand to a billion nodes for Gemini is served elsewhere, Gemini untouched', async () => {
    const defs: Record<string, unknown> = { d0: { type: 'string' } };
    for (let i = 1; i <= 30; i++)
      defs[`d${i}`] = {
        type: 'object',
        properties: { a: { $ref: `#/$defs/d${i - 1}` }, b: { $ref: `#/$defs/d${i - 1}` } },
      };
    const parameters = { type: 'object', $defs: defs, properties: { root: { $ref: '#/$defs/d30' } } };
    const started = Date.now();
    const answer = await chat({
      model: MODELS.gemini,
      tools: [{ type: 'function', function: { name: 'f', parameters } }],
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    assert.match(
      answer.headers.get('x-switchyard-fallback-reason') ?? '',
      /gemini:unsupported_tools\[0\]\.function\.parameters/,
    );
    assert.ok(Date.now() - started < 10_000, 'the expansion was cut short, not carried out');
    assert.equal(h.gemini.requests.length, 0);
    await assertHealthUntouched(['anthropic']);
  });

  test('a bug of ours before the network call is a 500 in OpenAI shape with the stack logged under the request id, tried once, never recorded', async () => {
    bug = new TypeError("Cannot read properties of undefined (reading 'url')");
    const answer = await chat({ model: MODELS.anthropic });
    assert.equal(answer.status, 500);
    assert.equal(answer.body.error?.type, 'server_error');
    assert.equal(answer.body.error?.code, 'internal_error');
    const requestId = answer.headers.get('x-request-id') ?? '';
    assert.match(requestId, /^req_[0-9a-f]{32}$/);
    assert.ok(answer.body.error?.message.includes(requestId), answer.body.error?.message);
    assert.equal(answer.headers.get('x-switchyard-attempts'), '1', 'not retried, not failed over');
    assert.equal(answer.headers.get('x-should-retry'), 'false');
    const logged = h.logs.find((line) => line.event === 'internal_error');
    assert.ok(logged, 'internal_error logged');
    assert.equal(logged.request_id, requestId);
    assert.match(String(logged.stack), /TypeError: Cannot read properties of undefined/);
    for (const mock of h.mocks) assert.equal(mock.requests.length, 0);
    await assertHealthUntouched();
  });
});
