/**
 * Builds a `chat.completion` from the chunks of a stream. Non-streaming requests are streamed from the
 * provider internally (so hangs are caught by first-token and idle timeouts); this gives the client the
 * JSON answer it asked for.
 */
import type { ChatCompletion, ChatCompletionChunk } from '../../providers/types.ts';

type Choice = ChatCompletion['choices'][number];
type ToolCall = NonNullable<Choice['message']['tool_calls']>[number];
type Logprob = NonNullable<NonNullable<Choice['logprobs']>['content']>[number];

interface ChoiceState {
  content: string[];
  refusal: string[];
  toolCalls: Map<number, { id: string; name: string; arguments: string }>;
  logprobs: Logprob[] | undefined;
  finish: Choice['finish_reason'] | null;
}

export function collectCompletion(chunks: readonly ChatCompletionChunk[]): ChatCompletion {
  const first = chunks[0];
  if (!first) throw new Error('collectCompletion: empty stream');
  const states = new Map<number, ChoiceState>();
  let usage: ChatCompletion['usage'] | undefined;
  let fingerprint: string | undefined;
  let serviceTier: ChatCompletion['service_tier'] | undefined;
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    if (chunk.system_fingerprint) fingerprint = chunk.system_fingerprint;
    if (chunk.service_tier) serviceTier = chunk.service_tier;
    for (const choice of chunk.choices) {
      let state = states.get(choice.index);
      if (!state) {
        state = { content: [], refusal: [], toolCalls: new Map(), logprobs: undefined, finish: null };
        states.set(choice.index, state);
      }
      const delta = choice.delta;
      if (delta.content) state.content.push(delta.content);
      if (delta.refusal) state.refusal.push(delta.refusal);
      for (const call of delta.tool_calls ?? []) {
        const existing = state.toolCalls.get(call.index) ?? { id: '', name: '', arguments: '' };
        if (call.id) existing.id = call.id;
        if (call.function?.name) existing.name += call.function.name;
        if (call.function?.arguments) existing.arguments += call.function.arguments;
        state.toolCalls.set(call.index, existing);
      }
      if (choice.logprobs?.content) state.logprobs = [...(state.logprobs ?? []), ...choice.logprobs.content];
      if (choice.finish_reason) state.finish = choice.finish_reason;
    }
  }
  const choices: Choice[] = [...states.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, state]) => {
      const toolCalls: ToolCall[] = [...state.toolCalls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, call]) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
      return {
        index,
        message: {
          role: 'assistant',
          content: state.content.length ? state.content.join('') : null,
          refusal: state.refusal.length ? state.refusal.join('') : null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        logprobs: state.logprobs ? { content: state.logprobs, refusal: null } : null,
        // A stream that ended without a finish reason was cut short: report it as such, never as `stop`.
        finish_reason: state.finish ?? 'length',
      };
    });
  return {
    id: first.id,
    object: 'chat.completion',
    created: first.created,
    model: first.model,
    choices,
    ...(usage ? { usage } : {}),
    ...(fingerprint ? { system_fingerprint: fingerprint } : {}),
    ...(serviceTier ? { service_tier: serviceTier } : {}),
  };
}

export { carriesToken } from '../../providers/shared/carries-token.ts';
