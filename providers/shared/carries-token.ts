/**
 * Whether a chunk carries something of the answer (a token), as opposed to the opening role-only delta.
 * The first such chunk is the streaming commit point and stops the first-token timer. Here, not in routing,
 * because the passthrough marks it on the upstream's raw events while it reads them.
 */
import type { ChatCompletionChunk } from '../types.ts';

export function carriesToken(chunk: ChatCompletionChunk): boolean {
  if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) return chunk.usage != null;
  return chunk.choices.some((choice) => {
    if (choice.finish_reason) return true;
    for (const [field, value] of Object.entries(choice.delta ?? {})) {
      if (field === 'role') continue;
      if (value !== null && value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0))
        return true;
    }
    return false;
  });
}
