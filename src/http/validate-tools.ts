/**
 * `tools`, `tool_choice` and `response_format`, checked to the depth the translators read them (a named
 * tool_choice without its function, a json_schema format without `json_schema`, a tool whose parameters are
 * not an object). Types the gateway does not know (a future tool type) are left for the upstream to judge;
 * the translators refuse them as something they cannot serve.
 */
import { type Issue, MAX_TOOLS } from './request-limits.ts';

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isAbsent = (value: unknown): boolean => value === undefined || value === null;
const typeIssue = (param: string, expected: string): Issue => ({
  message: `${param} must be ${expected}.`,
  param,
  code: 'invalid_type',
});

export function validateTools(tools: unknown): Issue | undefined {
  if (isAbsent(tools)) return undefined;
  if (!Array.isArray(tools)) return typeIssue('tools', 'an array');
  if (tools.length > MAX_TOOLS) {
    return {
      message: `'tools' holds ${tools.length} tools; at most ${MAX_TOOLS} are accepted.`,
      param: 'tools',
      code: 'array_above_max_length',
    };
  }
  for (const [index, tool] of tools.entries()) {
    const param = `tools[${index}]`;
    if (!isObject(tool) || typeof tool.type !== 'string') {
      return { message: `${param} must be {"type":"function","function":{"name":...}}.`, param };
    }
    if (tool.type === 'custom') {
      if (!isObject(tool.custom) || typeof tool.custom.name !== 'string')
        return typeIssue(`${param}.custom`, "an object with a string 'name'");
      continue;
    }
    if (tool.type !== 'function') continue;
    const fn = tool.function;
    if (!isObject(fn) || typeof fn.name !== 'string' || fn.name === '') {
      return { message: `${param} must be {"type":"function","function":{"name":...}}.`, param };
    }
    if (!isAbsent(fn.description) && typeof fn.description !== 'string')
      return typeIssue(`${param}.function.description`, 'a string');
    if (fn.parameters !== undefined && !isObject(fn.parameters))
      return typeIssue(`${param}.function.parameters`, 'a JSON Schema object');
    if (!isAbsent(fn.strict) && typeof fn.strict !== 'boolean')
      return typeIssue(`${param}.function.strict`, 'a boolean');
  }
  return undefined;
}

export function validateToolChoice(choice: unknown): Issue | undefined {
  if (isAbsent(choice)) return undefined;
  const param = 'tool_choice';
  if (typeof choice === 'string') {
    return ['none', 'auto', 'required'].includes(choice)
      ? undefined
      : {
          message: "tool_choice must be 'none', 'auto', 'required' or an object naming a tool.",
          param,
          code: 'invalid_value',
        };
  }
  if (!isObject(choice) || typeof choice.type !== 'string')
    return typeIssue(param, "'none', 'auto', 'required' or an object with a 'type'");
  switch (choice.type) {
    case 'function':
    case 'custom': {
      const named = choice[choice.type];
      return isObject(named) && typeof named.name === 'string'
        ? undefined
        : {
            message: `tool_choice.${choice.type} must be an object with a string 'name'.`,
            param: `tool_choice.${choice.type}`,
            code: 'missing_required_parameter',
          };
    }
    case 'allowed_tools': {
      const allowed = choice.allowed_tools;
      if (!isObject(allowed)) {
        return {
          message: 'tool_choice.allowed_tools must be an object.',
          param: 'tool_choice.allowed_tools',
          code: 'missing_required_parameter',
        };
      }
      if (allowed.mode !== 'auto' && allowed.mode !== 'required') {
        return {
          message: "tool_choice.allowed_tools.mode must be 'auto' or 'required'.",
          param: 'tool_choice.allowed_tools.mode',
          code: 'invalid_value',
        };
      }
      if (!Array.isArray(allowed.tools) || !allowed.tools.every(isObject)) {
        return typeIssue('tool_choice.allowed_tools.tools', 'an array of tool objects');
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

export function validateResponseFormat(format: unknown): Issue | undefined {
  if (isAbsent(format)) return undefined;
  if (!isObject(format) || typeof format.type !== 'string') {
    return {
      message: "Invalid value for 'response_format': expected an object with a 'type'.",
      param: 'response_format',
      code: 'invalid_type',
    };
  }
  if (format.type !== 'json_schema') return undefined;
  const spec = format.json_schema;
  if (!isObject(spec)) {
    return {
      message: "response_format.json_schema is required when the type is 'json_schema'.",
      param: 'response_format.json_schema',
      code: 'missing_required_parameter',
    };
  }
  if (typeof spec.name !== 'string' || spec.name === '') {
    return {
      message: 'response_format.json_schema.name must be a non-empty string.',
      param: 'response_format.json_schema.name',
      code: 'missing_required_parameter',
    };
  }
  if (spec.schema !== undefined && !isObject(spec.schema))
    return typeIssue('response_format.json_schema.schema', 'a JSON Schema object');
  if (!isAbsent(spec.strict) && typeof spec.strict !== 'boolean')
    return typeIssue('response_format.json_schema.strict', 'a boolean');
  return undefined;
}
