import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletionTool, ChatCompletionToolChoiceOption } from 'openai/resources/chat/completions';
import { convertTools } from '../../providers/gemini/convert-tools.ts';
import { WarningList } from '../../providers/gemini/warnings.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';

const weather: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { const: 'C' } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};
const time: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: {} } },
};

function convert(tools: ChatCompletionTool[] | undefined, choice?: ChatCompletionToolChoiceOption, parallel?: boolean) {
  const warnings = new WarningList();
  return { ...convertTools(tools, choice, parallel, warnings), warnings: warnings.toArray() };
}

function refusalOf(fn: () => unknown): UpstreamFailure {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof UpstreamFailure);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('convertTools', () => {
  it('declares functions with parametersJsonSchema, prepared for Gemini; no schema for argument-less functions', () => {
    const { tools, toolConfig, warnings } = convert([weather, time]);
    assert.deepEqual(tools, [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parametersJsonSchema: {
              type: 'object',
              properties: { city: { type: 'string' }, unit: { enum: ['C'] } },
              required: ['city'],
              additionalProperties: false,
            },
          },
          { name: 'get_time' },
        ],
      },
    ]);
    assert.equal(toolConfig, undefined);
    assert.deepEqual(warnings, []);
  });

  it('maps tool_choice auto, none, required and a named function', () => {
    assert.deepEqual(convert([weather], 'auto').toolConfig, { functionCallingConfig: { mode: 'AUTO' } });
    assert.deepEqual(convert([weather], 'none').toolConfig, { functionCallingConfig: { mode: 'NONE' } });
    assert.deepEqual(convert([weather], 'required').toolConfig, { functionCallingConfig: { mode: 'ANY' } });
    assert.deepEqual(convert([weather, time], { type: 'function', function: { name: 'get_time' } }).toolConfig, {
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] },
    });
  });

  it('maps allowed_tools: required → ANY with the names; auto → AUTO over the allowed declarations only', () => {
    const allowed = (mode: 'auto' | 'required'): ChatCompletionToolChoiceOption => ({
      type: 'allowed_tools',
      allowed_tools: { mode, tools: [{ type: 'function', function: { name: 'get_time' } }] },
    });
    const required = convert([weather, time], allowed('required'));
    assert.deepEqual(required.toolConfig, {
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] },
    });
    assert.equal(required.tools?.[0]?.functionDeclarations?.length, 2);
    const auto = convert([weather, time], allowed('auto'));
    assert.deepEqual(auto.toolConfig, { functionCallingConfig: { mode: 'AUTO' } });
    assert.deepEqual(
      auto.tools?.[0]?.functionDeclarations?.map((declaration) => declaration.name),
      ['get_time'],
    );
  });

  it('refuses a named tool that is not declared, and tool_choice that needs tools', () => {
    const unknown = refusalOf(() => convert([weather], { type: 'function', function: { name: 'nope' } }));
    assert.deepEqual([unknown.code, unknown.param], ['invalid_request', 'tool_choice.function.name']);
    assert.equal(refusalOf(() => convert(undefined, 'required')).code, 'invalid_request');
    assert.deepEqual(convert(undefined, 'none'), { warnings: [] });
  });

  it('refuses custom tools and custom tool choices as unsupported_parameter', () => {
    const custom: ChatCompletionTool = { type: 'custom', custom: { name: 'grammar' } };
    const tool = refusalOf(() => convert([weather, custom]));
    assert.deepEqual([tool.code, tool.param], ['unsupported_parameter', 'tools[1].type']);
    const choice = refusalOf(() => convert([weather], { type: 'custom', custom: { name: 'grammar' } }));
    assert.deepEqual([choice.code, choice.param], ['unsupported_parameter', 'tool_choice']);
  });

  it('warns about parallel_tool_calls: false and strict schemas', () => {
    const strict: ChatCompletionTool = { type: 'function', function: { ...weather.function, strict: true } };
    assert.deepEqual(
      convert([strict, { ...strict }], 'auto', false).warnings.map((warning) => warning.param),
      ['tools[].function.strict', 'parallel_tool_calls'],
    );
    assert.deepEqual(convert([weather], 'auto', true).warnings, []);
  });
});
