/**
 * OpenAI `tools` / `tool_choice` / `parallel_tool_calls` → Gemini `tools[].functionDeclarations` and
 * `toolConfig.functionCallingConfig` (node_modules/@google/genai/dist/genai.d.ts: `FunctionDeclaration`,
 * `FunctionCallingConfig { mode, allowedFunctionNames }`, `FunctionCallingConfigMode`;
 * https://ai.google.dev/gemini-api/docs/function-calling#function_calling_modes).
 *
 * tool_choice: `auto` → AUTO, `required` → ANY, `none` → NONE, a named function → ANY with
 * `allowedFunctionNames: [name]`. `allowed_tools` with mode `required` → ANY with the allowed names; with mode
 * `auto` the declarations are narrowed to the allowed tools under AUTO (AUTO takes no allow-list, and a
 * declaration the model cannot see is a declaration it cannot call). Custom (grammar/free-form) tools have no
 * Gemini equivalent: `unsupported_parameter`.
 *
 * Parameter schemas go out as `parametersJsonSchema`; prepare-json-schema.ts says why.
 */

import type { FunctionDeclaration, Tool, ToolConfig } from '@google/genai';
import { FunctionCallingConfigMode } from '@google/genai';
import type { ChatCompletionTool, ChatCompletionToolChoiceOption } from 'openai/resources/chat/completions';
import { invalidRequest, unsupportedParameter } from '../shared/request-refusals.ts';
import { isEmptyObjectSchema, isJsonObject, prepareJsonSchema } from './prepare-json-schema.ts';
import type { WarningList } from './warnings.ts';

export interface ConvertedTools {
  tools?: Tool[];
  toolConfig?: ToolConfig;
}

export function convertTools(
  tools: readonly ChatCompletionTool[] | undefined,
  toolChoice: ChatCompletionToolChoiceOption | undefined,
  parallelToolCalls: boolean | undefined,
  warnings: WarningList,
): ConvertedTools {
  if (!tools || tools.length === 0) {
    if (toolChoice !== undefined && toolChoice !== 'none' && toolChoice !== 'auto') {
      throw invalidRequest('gemini', 'tool_choice', 'tool_choice needs tools.');
    }
    return {};
  }
  const declarations = tools.map((tool, index) => convertTool(tool, `tools[${index}]`, warnings));
  if (parallelToolCalls === false) {
    warnings.add('parallel_tool_calls', 'Gemini cannot be limited to one tool call per answer; it may return several.');
  }
  const names = new Set(declarations.map((declaration) => declaration.name));
  const choice = convertToolChoice(toolChoice, names);
  const visible = choice.only
    ? declarations.filter((declaration) => choice.only?.has(declaration.name ?? ''))
    : declarations;
  const converted: ConvertedTools = { tools: [{ functionDeclarations: visible }] };
  if (choice.config) converted.toolConfig = { functionCallingConfig: choice.config };
  return converted;
}

function convertTool(tool: ChatCompletionTool, param: string, warnings: WarningList): FunctionDeclaration {
  if (tool.type !== 'function') {
    throw unsupportedParameter(
      'gemini',
      `${param}.type`,
      'Gemini provider: custom tools are not supported; use function tools.',
    );
  }
  const fn = tool.function;
  const declaration: FunctionDeclaration = { name: fn.name };
  if (fn.description !== undefined) declaration.description = fn.description;
  if (fn.parameters !== undefined && isJsonObject(fn.parameters) && !isEmptyObjectSchema(fn.parameters)) {
    declaration.parametersJsonSchema = prepareJsonSchema(fn.parameters, `${param}.function.parameters`);
  }
  if (fn.strict === true) {
    warnings.add(
      'tools[].function.strict',
      'Gemini has no strict mode for tool arguments; the schema is followed on a best-effort basis.',
    );
  }
  return declaration;
}

interface ChoiceResult {
  config?: { mode: FunctionCallingConfigMode; allowedFunctionNames?: string[] };
  /** Declarations to keep, when the choice narrows them. */
  only?: Set<string>;
}

function convertToolChoice(
  choice: ChatCompletionToolChoiceOption | undefined,
  declared: Set<string | undefined>,
): ChoiceResult {
  if (choice === undefined) return {};
  if (choice === 'auto') return { config: { mode: FunctionCallingConfigMode.AUTO } };
  if (choice === 'none') return { config: { mode: FunctionCallingConfigMode.NONE } };
  if (choice === 'required') return { config: { mode: FunctionCallingConfigMode.ANY } };
  if (choice.type === 'function') {
    const name = choice.function.name;
    if (!declared.has(name))
      throw invalidRequest(
        'gemini',
        'tool_choice.function.name',
        `tool_choice names '${name}', which is not among the tools.`,
      );
    return { config: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: [name] } };
  }
  if (choice.type === 'allowed_tools') {
    const names = choice.allowed_tools.tools.map((tool, index) =>
      allowedToolName(tool, `tool_choice.allowed_tools.tools[${index}]`),
    );
    for (const name of names) {
      if (!declared.has(name))
        throw invalidRequest(
          'gemini',
          'tool_choice.allowed_tools',
          `allowed_tools names '${name}', which is not among the tools.`,
        );
    }
    if (choice.allowed_tools.mode === 'required') {
      return { config: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: names } };
    }
    return { config: { mode: FunctionCallingConfigMode.AUTO }, only: new Set(names) };
  }
  throw unsupportedParameter('gemini', 'tool_choice', 'Gemini provider: custom tool choices are not supported.');
}

function allowedToolName(tool: { [key: string]: unknown }, param: string): string {
  const fn = tool.function;
  if (tool.type === 'function' && isJsonObject(fn) && typeof fn.name === 'string') return fn.name;
  throw unsupportedParameter('gemini', param, 'Gemini provider: only function tools can be allowed.');
}
