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
  /** The translators' opt-in `reasoning_content` deltas. */
  reasoning: string[];
  /** `extra_content` rides on the delta that opens a call (Gemini thought signatures) and must survive. */
  toolCalls: Map<number, { id: string; name: string; arguments: string; extra?: unknown }>;
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
        state = { content: [], refusal: [], reasoning: [], toolCalls: new Map(), logprobs: undefined, finish: null };
        states.set(choice.index, state);
      }
      const delta = choice.delta;
      if (delta.content) state.content.push(delta.content);
      if (delta.refusal) state.refusal.push(delta.refusal);
      const reasoning: unknown = (delta as { reasoning_content?: unknown }).reasoning_content;
      if (typeof reasoning === 'string' && reasoning !== '') state.reasoning.push(reasoning);
      for (const call of delta.tool_calls ?? []) {
        const existing = state.toolCalls.get(call.index) ?? { id: '', name: '', arguments: '' };
        if (call.id) existing.id = call.id;
        if (call.function?.name) existing.name += call.function.name;
        if (call.function?.arguments) existing.arguments += call.function.arguments;
        const extra: unknown = (call as { extra_content?: unknown }).extra_content;
        if (extra !== undefined && extra !== null) existing.extra = extra;
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
        .map(([, call]) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
          ...(call.extra === undefined ? {} : { extra_content: call.extra }),
        }));
      return {
        index,
        message: {
          role: 'assistant',
          content: state.content.length ? state.content.join('') : null,
          refusal: state.refusal.length ? state.refusal.join('') : null,
          ...(state.reasoning.length ? { reasoning_content: state.reasoning.join('') } : {}),
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

/**
 * Whether a chunk carries something of the answer (a token), as opposed to the opening role-only delta.
 * The first such chunk is the streaming commit point and stops the first-token timer.
 */
export function carriesToken(chunk: ChatCompletionChunk): boolean {
  if (chunk.choices.length === 0) return chunk.usage != null;
  return chunk.choices.some((choice) => {
    if (choice.finish_reason) return true;
    for (const [field, value] of Object.entries(choice.delta)) {
      if (field === 'role') continue;
      if (value !== null && value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0)) return true;
    }
    return false;
  });
}
