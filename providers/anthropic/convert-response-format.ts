/**
 * OpenAI `response_format` → Anthropic.
 *
 * - `json_schema` → `output_config.format` ({type: 'json_schema', schema}: JSONOutputFormat in
 *   @anthropic-ai/sdk resources/messages/messages.ts). Anthropic constrains decoding to the schema, as
 *   OpenAI does with `strict: true`.
 * - `json_object` ("any JSON object") has no Anthropic equivalent: a schema of `{type: "object"}` would
 *   be read as an object with no properties. We ask for JSON in the system prompt instead and say so in a
 *   warning, since nothing guarantees it.
 */
import type { OutputConfig } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatRequest, Warning } from '../types.ts';

export const JSON_OBJECT_INSTRUCTION =
  'Respond with a single valid JSON object and nothing else: no prose before or after it, no code fences.';

export interface ConvertedResponseFormat {
  outputConfig?: OutputConfig;
  /** Text to append to the system prompt. */
  systemInstruction?: string;
  warnings: Warning[];
}

export function convertResponseFormat(format: ChatRequest['response_format']): ConvertedResponseFormat {
  if (!format || format.type === 'text') return { warnings: [] };
  if (format.type === 'json_schema' && format.json_schema.schema) {
    return { outputConfig: { format: { type: 'json_schema', schema: format.json_schema.schema } }, warnings: [] };
  }
  return {
    systemInstruction: JSON_OBJECT_INSTRUCTION,
    warnings: [
      {
        param: 'response_format',
        message:
          'Anthropic has no JSON mode without a schema; JSON was requested in the system prompt (not guaranteed)',
      },
    ],
  };
}
