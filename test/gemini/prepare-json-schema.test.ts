import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEmptyObjectSchema, prepareJsonSchema } from '../../providers/gemini/prepare-json-schema.ts';
import { isUpstreamFailure } from '../../providers/upstream-failure.ts';

describe('prepareJsonSchema', () => {
  it('keeps what Gemini accepts in JSON-Schema mode, additionalProperties included', () => {
    const schema = {
      type: 'object',
      title: 'Args',
      description: 'Arguments',
      properties: {
        city: { type: 'string', format: 'date', description: 'x' },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, minItems: 1, maxItems: 3 },
        unit: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        pair: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }] },
        either: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      },
      required: ['city'],
      additionalProperties: false,
      propertyOrdering: ['city', 'days'],
    };
    assert.deepEqual(prepareJsonSchema(schema), schema);
  });

  it('drops $schema at every level', () => {
    assert.deepEqual(
      prepareJsonSchema({
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { a: { $schema: 'x', type: 'string' } },
      }),
      { type: 'object', properties: { a: { type: 'string' } } },
    );
  });

  it('turns string and number const into a one-value enum, anywhere', () => {
    assert.deepEqual(
      prepareJsonSchema({
        type: 'object',
        properties: {
          kind: { const: 'circle' },
          version: { type: 'number', const: 2 },
          flag: { const: true },
          shapes: { type: 'array', items: { anyOf: [{ properties: { type: { const: 'square' } } }] } },
        },
      }),
      {
        type: 'object',
        properties: {
          kind: { enum: ['circle'] },
          version: { type: 'number', enum: [2] },
          flag: { const: true },
          shapes: { type: 'array', items: { anyOf: [{ properties: { type: { enum: ['square'] } } }] } },
        },
      },
    );
  });

  it('inlines non-recursive local $refs ($defs and draft-07 definitions), keeping sibling keywords', () => {
    assert.deepEqual(
      prepareJsonSchema({
        type: 'object',
        properties: {
          home: { $ref: '#/$defs/Address', description: 'Home address' },
          work: { $ref: '#/definitions/Address' },
        },
        $defs: {
          Address: { type: 'object', properties: { street: { type: 'string' }, country: { $ref: '#/$defs/Country' } } },
          Country: { const: 'FR' },
        },
        definitions: { Address: { type: 'object', properties: { zip: { type: 'string' } } } },
      }),
      {
        type: 'object',
        properties: {
          home: {
            type: 'object',
            properties: { street: { type: 'string' }, country: { enum: ['FR'] } },
            description: 'Home address',
          },
          work: { type: 'object', properties: { zip: { type: 'string' } } },
        },
      },
    );
  });

  it('keeps a recursive $ref as a reference into $defs, with only a description beside it', () => {
    const out = prepareJsonSchema({
      type: 'object',
      properties: { root: { $ref: '#/definitions/Node' } },
      definitions: {
        Node: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/definitions/Node', description: 'child', title: 'dropped' } },
          },
        },
      },
    });
    assert.deepEqual(out, {
      type: 'object',
      properties: {
        root: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/Node', description: 'child' } },
          },
        },
      },
      $defs: {
        Node: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/Node', description: 'child' } },
          },
        },
      },
    });
  });

  it('treats property names as names, not keywords', () => {
    const schema = { type: 'object', properties: { $ref: { type: 'string' }, const: { type: 'number' } } };
    assert.deepEqual(prepareJsonSchema(schema), schema);
  });

  it('does not mutate its input', () => {
    const schema = {
      $schema: 'x',
      type: 'object',
      properties: { a: { const: 'b' }, c: { $ref: '#/$defs/C' } },
      $defs: { C: { type: 'string' } },
    };
    const snapshot = structuredClone(schema);
    prepareJsonSchema(schema);
    assert.deepEqual(schema, snapshot);
  });
});

describe('isEmptyObjectSchema', () => {
  it('recognises the schemas of functions without arguments', () => {
    assert.equal(isEmptyObjectSchema({}), true);
    assert.equal(isEmptyObjectSchema({ type: 'object', properties: {} }), true);
    assert.equal(
      isEmptyObjectSchema({ type: 'object', properties: {}, required: [], additionalProperties: false }),
      true,
    );
    assert.equal(isEmptyObjectSchema({ type: 'object', properties: { a: { type: 'string' } } }), false);
    assert.equal(isEmptyObjectSchema({ type: 'object', anyOf: [{ properties: { a: {} } }] }), false);
  });
});

describe('prepareJsonSchema bounds', () => {
  const refusal = (param: string) => (error: unknown) => {
    assert.ok(isUpstreamFailure(error), String(error));
    assert.equal(error.code, 'unsupported_parameter');
    assert.equal(error.param, param);
    assert.equal(error.preflight, true);
    return true;
  };

  it('refuses a chain of thousands of $defs (a stack overflow otherwise), naming the field', () => {
    const $defs: Record<string, unknown> = { d0: { type: 'string' } };
    for (let i = 1; i <= 5000; i++)
      $defs[`d${i}`] = { type: 'object', properties: { next: { $ref: `#/$defs/d${i - 1}` } } };
    const schema = { type: 'object', $defs, properties: { root: { $ref: '#/$defs/d5000' } } };
    assert.throws(
      () => prepareJsonSchema(schema, 'tools[0].function.parameters'),
      refusal('tools[0].function.parameters'),
    );
  });

  it('refuses references that would expand to more than 100,000 nodes, without expanding them', () => {
    const $defs: Record<string, unknown> = { d0: { type: 'string' } };
    for (let i = 1; i <= 30; i++)
      $defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
    const started = Date.now();
    assert.throws(
      () => prepareJsonSchema({ $defs, $ref: '#/$defs/d30' }, 'response_format.json_schema.schema'),
      refusal('response_format.json_schema.schema'),
    );
    assert.ok(Date.now() - started < 5000);
  });

  it('still inlines a moderately deep, shared schema', () => {
    const $defs: Record<string, unknown> = { d0: { type: 'string' } };
    for (let i = 1; i <= 10; i++)
      $defs[`d${i}`] = {
        type: 'object',
        properties: { a: { $ref: `#/$defs/d${i - 1}` }, b: { $ref: `#/$defs/d${i - 1}` } },
      };
    const out = prepareJsonSchema({ $defs, $ref: '#/$defs/d10' });
    assert.equal(JSON.stringify(out).includes('$ref'), false);
  });
});
