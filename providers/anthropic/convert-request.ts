/**
 * A validated OpenAI chat request → Anthropic `MessageCreateParams`, plus the warnings the client should
 * see. Throws `UpstreamFailure` (code `unsupported_parameter`) for what Anthropic cannot honour, before any
 * network call. Pure: no I/O, the request is not mutated.
 *
 * temperature, top_p and top_k are never sent: the installed SDK pins `anthropic-version: 2026-10-21`,
 * under which MessageCreateParams has no sampling fields and the API rejects them (check-parameters.ts
 * warns instead).
 */
import type { MessageCreateParams } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatRequest, Warning } from '../types.ts';
import { checkParameters } from './check-parameters.ts';
import { convertMessages } from './convert-messages.ts';
import { convertResponseFormat } from './convert-response-format.ts';
import { convertTools } from './convert-tools.ts';
import { defaultMaxTokens } from './default-max-tokens.ts';
import { toolsForHistory } from './history-tools.ts';
import type { ThinkingMemory } from './thinking-memory.ts';

export interface ConvertRequestOptions {
  /** Whether to ask Anthropic for an event stream (the call's choice, which may differ from request.stream). */
  stream: boolean;
  /** Thinking blocks of earlier tool-calling turns, put back into the history (see thinking-memory.ts). */
  thinkingMemory?: ThinkingMemory;
}

export interface ConvertedRequest {
  params: MessageCreateParams;
  warnings: Warning[];
}

export function convertRequest(request: ChatRequest, model: string, opts: ConvertRequestOptions): ConvertedRequest {
  const warnings = checkParameters(request);
  const converted = convertMessages(request.messages, {
    model,
    ...(opts.thinkingMemory ? { thinkingMemory: opts.thinkingMemory } : {}),
  });
  warnings.push(...converted.warnings);
  const format = convertResponseFormat(request.response_format);
  warnings.push(...format.warnings);
  const requested = convertTools(request.tools, request.tool_choice, request.parallel_tool_calls);
  const tools = 'tools' in requested ? requested : (toolsForHistory(converted.messages) ?? requested);

  const systemParts = [converted.system, format.systemInstruction].filter((part) => part !== undefined);
  const base = {
    model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens(model),
    messages: converted.messages,
    ...(systemParts.length > 0 ? { system: systemParts.join('\n\n') } : {}),
    ...(stopSequences(request.stop) ?? {}),
    ...tools,
    ...(format.outputConfig ? { output_config: format.outputConfig } : {}),
    ...userId(request),
  };
  const params: MessageCreateParams = opts.stream ? { ...base, stream: true } : { ...base, stream: false };
  return { params, warnings };
}

function stopSequences(stop: ChatRequest['stop']): { stop_sequences: string[] } | undefined {
  if (stop === undefined || stop === null) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  return list.length > 0 ? { stop_sequences: [...list] } : undefined;
}

/** OpenAI's `safety_identifier` replaces `user` for the same purpose (abuse tracking per end user). */
function userId(request: ChatRequest): { metadata: { user_id: string } } | Record<string, never> {
  const id = request.user ?? request.safety_identifier ?? undefined;
  return typeof id === 'string' && id.length > 0 ? { metadata: { user_id: id } } : {};
}
