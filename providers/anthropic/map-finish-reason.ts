/**
 * Anthropic `stop_reason` → OpenAI `finish_reason`.
 *
 * Context matters: Anthropic can end a turn that contains tool_use blocks with `end_turn` (or a stop
 * sequence), and an OpenAI client only runs tools when it sees `tool_calls`. An unknown or missing reason
 * is never reported as a clean `stop`: the client could not tell a cut-off answer from a finished one.
 */
export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface FinishContext {
  /** Whether the answer contains at least one tool call. */
  hasToolCalls: boolean;
}

export function mapFinishReason(stopReason: string | null | undefined, context: FinishContext): OpenAIFinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return context.hasToolCalls ? 'tool_calls' : 'stop';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    // The answer was cut because the context window filled up: the same "truncated" meaning as OpenAI's
    // `length`, which OpenAI also uses when the context limit (not max_tokens) ends generation.
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    // `pause_turn`: Anthropic paused a long-running turn that the caller is expected to continue; the
    // answer is incomplete, which for an OpenAI client is what `length` says ("continue if you need more").
    case 'pause_turn':
      return 'length';
    default:
      // Unknown or missing: the answer may be incomplete. Tool calls that did arrive are still worth
      // running, so they win; otherwise `length` is the honest "not known to be complete".
      return context.hasToolCalls ? 'tool_calls' : 'length';
  }
}
