/**
 * The `max_tokens` to send when the client set none. Anthropic requires the field; OpenAI clients usually
 * omit it and expect "as long as the answer needs".
 *
 * We do not send each model's hard maximum (64k for recent models): Anthropic estimates output-tokens-per-
 * minute usage from `max_tokens` when it admits a request, so a huge default would throttle the key for
 * ordinary short answers (a tier-1 key has an 8k OTPM budget in total). 8192 covers nearly all chat
 * answers; a client that needs more sets `max_tokens` itself, and we never clamp what it set. Models whose
 * maximum output is lower get that maximum, since asking more is a 400.
 */
const MODEL_DEFAULTS: ReadonlyArray<readonly [prefix: string, maxTokens: number]> = [
  ['claude-3-haiku', 4096],
  ['claude-3-opus', 4096],
  ['claude-3-sonnet', 4096],
];

/** Claude 3.5 and later, and any model we do not know (newer models only raise the ceiling). */
export const FALLBACK_MAX_TOKENS = 8192;

export function defaultMaxTokens(model: string): number {
  for (const [prefix, maxTokens] of MODEL_DEFAULTS) {
    if (model.startsWith(prefix)) return maxTokens;
  }
  return FALLBACK_MAX_TOKENS;
}
