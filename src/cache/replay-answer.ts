/**
 * A cached answer in the shape the client asked for. As a stream it is what OpenAI itself sends: one id and
 * timestamp for every chunk, the role first, content, tool calls (id, type and name first, then the arguments
 * under the same index), a finish chunk per choice, a usage chunk with `choices: []` when the client asked for
 * `include_usage` (the other chunks then carry `usage: null`), and `[DONE]`.
 */
import type { ChatCompletion, ChatCompletionChunk } from '../../providers/types.ts';

type ChunkChoice = ChatCompletionChunk['choices'][number];

export function completionToChunks(completion: ChatCompletion, includeUsage: boolean): ChatCompletionChunk[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
    ...(completion.system_fingerprint ? { system_fingerprint: completion.system_fingerprint } : {}),
    ...(completion.service_tier ? { service_tier: completion.service_tier } : {}),
  };
  const chunk = (choices: ChunkChoice[]): ChatCompletionChunk => ({
    ...base,
    choices,
    ...(includeUsage ? { usage: null } : {}),
  });
  const out: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    const { index, message } = choice;
    out.push(chunk([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]));
    if (message.content) {
      out.push(
        chunk([{ index, delta: { content: message.content }, logprobs: choice.logprobs ?? null, finish_reason: null }]),
      );
    }
    if (message.refusal)
      out.push(chunk([{ index, delta: { refusal: message.refusal }, logprobs: null, finish_reason: null }]));
    for (const [callIndex, call] of (message.tool_calls ?? []).entries()) {
      if (call.type !== 'function') continue;
      out.push(
        chunk([
          {
            index,
            delta: {
              tool_calls: [
                {
                  index: callIndex,
                  id: call.id,
                  type: 'function',
                  function: { name: call.function.name, arguments: '' },
                },
              ],
            },
            logprobs: null,
            finish_reason: null,
          },
        ]),
      );
      if (call.function.arguments) {
        out.push(
          chunk([
            {
              index,
              delta: { tool_calls: [{ index: callIndex, function: { arguments: call.function.arguments } }] },
              logprobs: null,
              finish_reason: null,
            },
          ]),
        );
      }
    }
    out.push(chunk([{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason }]));
  }
  if (includeUsage && completion.usage) out.push({ ...base, choices: [], usage: completion.usage });
  return out;
}

export function chunksToSse(chunks: readonly ChatCompletionChunk[]): string {
  let text = '';
  for (const chunk of chunks) text += `data: ${JSON.stringify(chunk)}\n\n`;
  return `${text}data: [DONE]\n\n`;
}
