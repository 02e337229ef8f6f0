/**
 * A seeded property test over request bodies, for each provider path on its own (OpenAI passthrough,
 * Anthropic and Gemini translation): whatever the body, the client gets a success or an OpenAI-shaped 4xx,
 * never a 5xx or a crash, and no provider's health moves. Bodies are built field by field from plausible
 * values, the near misses that used to crash translators (null content, parts without their object, tool
 * calls of the wrong type, named tool choices without a name, `$ref`s, odd model names) and arbitrary JSON.
 * The seed is fixed so a failure reproduces; fast-check prints the shrunk counterexample.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { BackgroundHealthMonitor } from '../../src/health/health-monitor.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { createTestHealth } from '../helpers/test-health.ts';

const SEED = 20261201;
const RUNS = 150;

/**
 * The body generator. `noisy` adds arbitrary JSON as an alternative for every field and part; without it the
 * bodies are plausible, with only the near misses listed in each field, so that a good share reach the
 * providers and translate.
 */
function bodyArbitrary(noisy: boolean): (model: string) => fc.Arbitrary<Record<string, unknown>> {
  const garbage = fc.jsonValue({ maxDepth: 2 });
  const noise: Array<fc.Arbitrary<unknown>> = noisy ? [garbage] : [];
  const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
    noisy ? fc.oneof({ weight: 3, arbitrary: arb }, garbage) : arb;
  const text = fc.string({ maxLength: 12 });

  const imageUrl = fc.oneof(
    fc.constant('data:image/png;base64,iVBORw0KGgo='),
    fc.constant('data:application/pdf;base64,JVBERi0='),
    fc.constant('https://example.com/cat.png'),
    fc.constant('data:nonsense'),
    fc.constant('ftp://x'),
    text,
  );
  const part = fc.oneof(
    fc.record({ type: fc.constant('text'), text: maybe(text) }),
    fc.record(
      {
        type: fc.constant('image_url'),
        image_url: maybe(
          fc.record(
            { url: maybe(imageUrl), detail: fc.constantFrom('auto', 'low', 'high') },
            { requiredKeys: ['url'] },
          ),
        ),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      {
        type: fc.constant('input_audio'),
        input_audio: maybe(fc.record({ data: text, format: fc.constantFrom('wav', 'mp3', 'flac') })),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      {
        type: fc.constant('file'),
        file: maybe(
          fc.record(
            { file_data: maybe(imageUrl), file_id: text, filename: fc.constantFrom('a.pdf', 'b.txt') },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record({ type: fc.constantFrom('refusal', 'video', 'image_url'), refusal: maybe(text) }),
    ...noise,
  );
  const content = fc.oneof(text, fc.constant(null), fc.array(part, { maxLength: 3 }), ...noise);
  const args = fc.oneof(
    fc.constant('{"a":1}'),
    fc.constant(''),
    fc.constant('{not json'),
    fc.constant('[1]'),
    fc.constant({ a: 1 }),
    ...noise,
  );
  const toolCall = fc.oneof(
    fc.record(
      {
        id: maybe(fc.constantFrom('call_1', 'call_2')),
        type: fc.constant('function'),
        function: maybe(fc.record({ name: maybe(fc.constantFrom('f', 'g')), arguments: args })),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record({
      id: fc.constant('call_3'),
      type: fc.constantFrom('custom', 'web'),
      custom: maybe(fc.record({ name: text, input: text })),
    }),
    ...noise,
  );
  const message = fc.record(
    {
      role: fc.constantFrom('system', 'developer', 'user', 'user', 'user', 'assistant', 'tool', 'function', 'robot'),
      content,
      name: maybe(text),
      tool_calls: fc.oneof(fc.array(toolCall, { maxLength: 2 }), fc.constant('x'), ...noise),
      tool_call_id: maybe(fc.constantFrom('call_1', 'call_2', 'nope')),
      refusal: maybe(text),
      audio: maybe(fc.record({ id: text })),
    },
    { requiredKeys: ['role'] },
  );
  const schema = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ type: fc.constantFrom('string', 'number', 'boolean') }),
      fc.record(
        {
          type: fc.constant('object'),
          properties: fc.dictionary(fc.constantFrom('a', 'b', '$ref'), tie('node'), { maxKeys: 2 }),
          additionalProperties: fc.boolean(),
        },
        { requiredKeys: ['type'] },
      ),
      fc.record({ type: fc.constant('array'), items: tie('node') }),
      fc.record(
        { $ref: fc.constantFrom('#/$defs/x', '#/definitions/x', '#/nowhere'), description: text },
        { requiredKeys: ['$ref'] },
      ),
      fc.record(
        { anyOf: fc.array(tie('node'), { maxLength: 2 }), const: fc.oneof(text, fc.integer()) },
        { requiredKeys: ['anyOf'] },
      ),
      ...noise,
    ),
  })).node;
  const rootSchema = fc.oneof(
    fc.record(
      {
        type: fc.constant('object'),
        properties: fc.dictionary(fc.constantFrom('x', 'y'), schema, { maxKeys: 2 }),
        $defs: fc.record({ x: schema }),
        required: fc.constant(['x']),
      },
      { requiredKeys: ['type'] },
    ),
    schema,
  );
  const tool = fc.oneof(
    fc.record(
      {
        type: fc.constant('function'),
        function: maybe(
          fc.record(
            {
              name: maybe(fc.constantFrom('f', 'g', '')),
              description: maybe(text),
              parameters: rootSchema,
              strict: maybe(fc.boolean()),
            },
            { requiredKeys: ['name'] },
          ),
        ),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record({ type: fc.constant('custom'), custom: maybe(fc.record({ name: text })) }),
    ...noise,
  );
  const toolChoice = fc.oneof(
    fc.constantFrom('auto', 'none', 'required', 'sometimes'),
    fc.record(
      { type: fc.constant('function'), function: maybe(fc.record({ name: fc.constantFrom('f', 'g', 'h') })) },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      {
        type: fc.constant('allowed_tools'),
        allowed_tools: maybe(
          fc.record({
            mode: fc.constantFrom('auto', 'required', 'any'),
            tools: maybe(
              fc.array(
                fc.oneof(
                  fc.record({
                    type: fc.constant('function'),
                    function: fc.record({ name: fc.constantFrom('f', 'g') }),
                  }),
                  ...noise,
                ),
                { maxLength: 2 },
              ),
            ),
          }),
        ),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      { type: fc.constantFrom('custom', 'mystery'), custom: maybe(fc.record({ name: text })) },
      { requiredKeys: ['type'] },
    ),
    ...noise,
  );
  const responseFormat = fc.oneof(
    fc.record({ type: fc.constantFrom('text', 'json_object', 'grammar') }),
    fc.record(
      {
        type: fc.constant('json_schema'),
        json_schema: maybe(
          fc.record(
            { name: maybe(fc.constantFrom('out', '')), schema: maybe(rootSchema), strict: maybe(fc.boolean()) },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: ['type'] },
    ),
    ...noise,
  );
  const number = (arb: fc.Arbitrary<number>) => fc.oneof(arb, fc.constantFrom(-1, 0, 1e21, 0.5), ...noise);

  const body = (model: string): fc.Arbitrary<Record<string, unknown>> =>
    fc.record(
      {
        model: fc.oneof(
          { weight: 8, arbitrary: fc.constant(model) },
          fc.constantFrom(`${model}/../x`, `${model}?a=1`, ''),
          ...noise,
        ),
        messages: fc.oneof(
          { weight: 6, arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }) },
          fc.constant([]),
          ...noise,
        ),
        stream: maybe(fc.boolean()),
        stream_options: maybe(fc.record({ include_usage: maybe(fc.boolean()) })),
        tools: fc.oneof(fc.array(tool, { maxLength: 3 }), ...noise),
        tool_choice: toolChoice,
        parallel_tool_calls: maybe(fc.boolean()),
        response_format: responseFormat,
        temperature: number(fc.double({ min: 0, max: 2, noNaN: true })),
        top_p: number(fc.double({ min: 0, max: 1, noNaN: true })),
        n: number(fc.integer({ min: 1, max: 3 })),
        max_tokens: number(fc.integer({ min: 1, max: 100 })),
        max_completion_tokens: number(fc.integer({ min: 1, max: 100 })),
        stop: fc.oneof(text, fc.array(text, { maxLength: 6 }), ...noise),
        seed: number(fc.integer()),
        logprobs: maybe(fc.boolean()),
        top_logprobs: number(fc.integer({ min: 0, max: 25 })),
        logit_bias: maybe(fc.dictionary(fc.constantFrom('50256', '1'), fc.integer({ min: -100, max: 100 }))),
        reasoning_effort: fc.oneof(
          fc.constantFrom('none', 'minimal', 'low', 'high', 'max', 'constructor', 'toString'),
          ...noise,
        ),
        modalities: fc.oneof(fc.constant(['text']), fc.constant(['text', 'audio']), fc.constant('audio'), ...noise),
        metadata: maybe(fc.dictionary(text, text, { maxKeys: 2 })),
        user: maybe(text),
        service_tier: maybe(fc.constantFrom('auto', 'flex', 'priority')),
        some_new_field: fc.oneof(text, ...noise),
      },
      { requiredKeys: ['model', 'messages'] },
    );
  return body;
}

/** Valid bodies with the translated features (images, tools, tool history, formats, streams) in random mixes. */
function validBody(model: string): fc.Arbitrary<Record<string, unknown>> {
  const text = fc.string({ minLength: 1, maxLength: 12 });
  const userContent = fc.oneof(
    text,
    fc.array(
      fc.oneof(
        fc.record({ type: fc.constant('text'), text }),
        fc.constant({ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }),
      ),
      { minLength: 1, maxLength: 2 },
    ),
  );
  const toolTurn = fc.constant([
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '42' },
  ]);
  const messages = fc
    .tuple(
      fc.option(text, { nil: undefined }),
      fc.array(
        fc.oneof(
          userContent.map((content) => [{ role: 'user', content }]),
          toolTurn,
        ),
        { minLength: 1, maxLength: 3 },
      ),
      userContent,
    )
    .map(([system, turns, last]) => [
      ...(system ? [{ role: 'system', content: system }] : []),
      ...turns.flat(),
      { role: 'user', content: last },
    ]);
  const parameters = fc.constantFrom(
    { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
    {
      type: 'object',
      $defs: { x: { type: 'string', const: 'v' } },
      properties: { a: { $ref: '#/$defs/x' } },
      additionalProperties: false,
    },
    undefined,
  );
  return fc.record(
    {
      model: fc.constant(model),
      messages,
      stream: fc.boolean(),
      tools: fc.array(
        parameters.map((p) => ({ type: 'function', function: { name: 'f', ...(p ? { parameters: p } : {}) } })),
        { minLength: 1, maxLength: 1 },
      ),
      tool_choice: fc.constantFrom('auto', 'required', 'none', { type: 'function', function: { name: 'f' } }),
      response_format: fc.constantFrom(
        { type: 'json_object' },
        {
          type: 'json_schema',
          json_schema: { name: 'out', schema: { type: 'object', properties: { a: { type: 'string' } } } },
        },
      ),
      max_tokens: fc.integer({ min: 1, max: 100 }),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      stop: fc.array(text, { maxLength: 4 }),
      seed: fc.integer(),
      reasoning_effort: fc.constantFrom('low', 'high', 'none'),
      user: text,
    },
    { requiredKeys: ['model', 'messages'] },
  );
}

type Body = Record<string, unknown>;
type Message = Record<string, unknown>;

/** One near miss applied to a valid body: each of these once reached a translator and made it throw. */
const MUTATIONS: ReadonlyArray<(body: Body, value: unknown) => Body> = [
  (b, v) => ({ ...b, messages: [...(b.messages as Message[]), { role: 'user', content: v }] }),
  (b) => ({ ...b, messages: [...(b.messages as Message[]), { role: 'user' }] }),
  (b, v) => ({ ...b, messages: [{ role: 'system', content: v }, ...(b.messages as Message[])] }),
  (b, v) => ({
    ...b,
    messages: [...(b.messages as Message[]), { role: 'user', content: [{ type: 'image_url', image_url: v }] }],
  }),
  (b, v) => ({
    ...b,
    messages: [...(b.messages as Message[]), { role: 'user', content: [{ type: 'text', text: v }] }],
  }),
  (b, v) => ({ ...b, messages: [...(b.messages as Message[]), { role: 'assistant', content: null, tool_calls: v }] }),
  (b, v) => ({
    ...b,
    messages: [
      ...(b.messages as Message[]),
      { role: 'assistant', tool_calls: [{ id: 'c9', type: 'function', function: { name: 'f', arguments: v } }] },
    ],
  }),
  (b, v) => ({
    ...b,
    messages: [...(b.messages as Message[]), { role: 'assistant', content: [{ type: 'text', text: 'x' }, v] }],
  }),
  (b, v) => ({ ...b, messages: [...(b.messages as Message[]), { role: 'tool', tool_call_id: 'call_1', content: v }] }),
  (b, v) => ({
    ...b,
    tools: [{ type: 'function', function: { name: 'f' } }],
    tool_choice: { type: 'function', function: v },
  }),
  (b, v) => ({
    ...b,
    tools: [{ type: 'function', function: { name: 'f' } }],
    tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: v } },
  }),
  (b, v) => ({ ...b, response_format: { type: 'json_schema', json_schema: v } }),
  (b, v) => ({ ...b, tools: [{ type: 'function', function: { name: 'f', parameters: v } }] }),
  (b, v) => ({ ...b, modalities: v }),
  (b, v) => ({ ...b, reasoning_effort: v }),
  (b, v) => ({ ...b, model: `${String(b.model)}${typeof v === 'string' ? v : '/../x'}` }),
  (b, v) => ({
    ...b,
    [['stop', 'logit_bias', 'metadata', 'n', 'top_logprobs', 'stream_options', 'user'][String(v).length % 7]!]: v,
  }),
];

function mutatedBody(model: string): fc.Arbitrary<Record<string, unknown>> {
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(null, 'x', '', 'constructor', '/', { a: 1 }, [{ type: 'image_url' }]),
  );
  return fc
    .tuple(validBody(model), fc.nat(MUTATIONS.length - 1), value)
    .map(([body, index, v]) => MUTATIONS[index]!(body, v));
}

function bodyFor(model: string): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    validBody(model),
    mutatedBody(model),
    mutatedBody(model),
    bodyArbitrary(false)(model),
    bodyArbitrary(true)(model),
  );
}

type Path = 'openai' | 'anthropic' | 'gemini';
const PATHS: Array<[Path, string]> = [
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-sonnet-4-6'],
  ['gemini', 'gemini-2.5-flash'],
];

describe('fuzzed request bodies: a success or an OpenAI-shaped 4xx, and health never moves', () => {
  for (const [path, model] of PATHS) {
    let h: Harness;
    let health: BackgroundHealthMonitor;
    before(async () => {
      health = createTestHealth();
      h = await startHarness({ health, without: PATHS.map(([name]) => name).filter((name) => name !== path) });
    });
    after(() => h.close());

    test(`${path} path (seed ${SEED}, ${RUNS} bodies)`, async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(bodyFor(model), async (body) => {
          const response = await h.gateway.app.request('/v1/chat/completions', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          const raw = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 200) {
            if (body.stream === true) assert.match(raw, /data: \[DONE\]\n\n$/, 'a stream that ends cleanly');
            else assert.ok(Array.isArray((JSON.parse(raw) as { choices?: unknown }).choices), 'a completion');
            return;
          }
          assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}: ${raw}`);
          const error = (JSON.parse(raw) as { error?: Record<string, unknown> }).error;
          assert.ok(error, `OpenAI error shape: ${raw}`);
          assert.equal(typeof error.message, 'string');
          assert.equal(typeof error.type, 'string');
          assert.ok(error.param === null || typeof error.param === 'string');
          assert.ok(error.code === null || typeof error.code === 'string');
        }),
        { seed: SEED, numRuns: RUNS },
      );
      // Both outcomes were exercised: the property is not passing on validation errors alone.
      assert.ok((statuses.get(200) ?? 0) > 5, `successes: ${JSON.stringify([...statuses])}`);
      assert.ok(
        [...statuses.keys()].some((status) => status >= 400),
        `4xx: ${JSON.stringify([...statuses])}`,
      );
      await health.tick();
      const report = health.report().providers.find((provider) => provider.provider === path);
      assert.equal(health.get(path).state, 'healthy');
      assert.equal(report?.short.errors ?? 0, 0, 'no provider-fault error recorded');
    });
  }
});
