/**
 * A request that cannot fit the target's context window, as the failure the provider would have produced,
 * without asking it: kind `context_length`, so routing does what it does for the provider's own answer (the
 * route's `contextFallback`, else a 400 `context_length_exceeded`), and `preflight`, so it never counts
 * against the provider's health. The message is OpenAI's own wording, with the sizes.
 */
import type { ChatRequest } from '../../providers/types.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';
import type { GatewayConfig } from '../config/load-config.ts';
import { type ContextOverflow, findContextOverflow } from '../limits/check-context.ts';

/**
 * The context check, before the first attempt at a candidate (README "Token counting and context windows"):
 * too long for the model's window is the provider's context_length answer without asking it.
 */
export function contextOverflow(
  config: Pick<GatewayConfig, 'contextCheck' | 'models'>,
  request: ChatRequest,
  target: { provider: string; model: string },
): Promise<ContextOverflow | undefined> | undefined {
  if (config.contextCheck === false) return undefined;
  return findContextOverflow(request, target.provider, target.model, config.models);
}

export function contextFailure(provider: string, overflow: ContextOverflow): UpstreamFailure {
  return new UpstreamFailure({
    provider,
    kind: 'context_length',
    // No status: none came from the provider (the fallback reason reads `openai:context_length`).
    code: 'context_length_exceeded',
    param: 'messages',
    message: contextMessage(overflow),
    preflight: true,
  });
}

export function contextMessage(overflow: ContextOverflow): string {
  const { contextWindow, prompt, output } = overflow;
  const more = overflow.promptOver ? 'more than ' : '';
  const sizes =
    output > 0
      ? `However, you requested ${more}${prompt + output} tokens (${more}${prompt} in the messages, ${output} in the completion). Please reduce the length of the messages or completion.`
      : `However, your messages resulted in ${more}${prompt} tokens. Please reduce the length of the messages.`;
  const how = overflow.estimated ? 'estimated by the gateway before sending' : 'counted by the gateway before sending';
  return `This model's maximum context length is ${contextWindow} tokens. ${sizes} (${overflow.model}; ${how}.)`;
}
