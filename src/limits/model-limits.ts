/**
 * Context windows and output ceilings per model, from the providers' model pages (November 2026), for the
 * context check and for the tokens a request is charged. A model is found by its longest matching prefix, so
 * dated snapshots (`gpt-4o-mini-2024-07-18`, `claude-sonnet-4-5-20250929`) need no entry of their own. Unknown
 * models (an OpenAI-compatible server's `llama-…`) have no limits: nothing is checked for them.
 *
 * The config file's `models:` overrides or adds entries, by prefix too (README "Token counting and context
 * windows"), e.g. a Claude model used with the 1M-context beta header.
 */

export interface ModelLimits {
  /** Prompt plus output, in tokens. */
  contextWindow: number;
  /** The most a single answer may be; also the output a request without max_tokens is charged for. */
  maxOutputTokens: number;
}

export type ModelLimitOverrides = Readonly<Record<string, Partial<ModelLimits>>>;

const K = 1000;

/** [prefix, limits]; the longest prefix that matches wins. */
export const DEFAULT_MODEL_LIMITS: ReadonlyArray<readonly [string, ModelLimits]> = [
  // OpenAI
  ['gpt-3.5-turbo', { contextWindow: 16_385, maxOutputTokens: 4096 }],
  ['gpt-4', { contextWindow: 8192, maxOutputTokens: 8192 }],
  ['gpt-4-32k', { contextWindow: 32_768, maxOutputTokens: 32_768 }],
  ['gpt-4-turbo', { contextWindow: 128 * K, maxOutputTokens: 4096 }],
  ['gpt-4o', { contextWindow: 128 * K, maxOutputTokens: 16_384 }],
  ['gpt-4o-mini', { contextWindow: 128 * K, maxOutputTokens: 16_384 }],
  ['chatgpt-4o', { contextWindow: 128 * K, maxOutputTokens: 16_384 }],
  ['gpt-4.1', { contextWindow: 1_047_576, maxOutputTokens: 32_768 }],
  ['gpt-4.5', { contextWindow: 128 * K, maxOutputTokens: 16_384 }],
  ['gpt-5', { contextWindow: 400 * K, maxOutputTokens: 128 * K }],
  ['gpt-5-chat', { contextWindow: 128 * K, maxOutputTokens: 16_384 }],
  ['o1', { contextWindow: 200 * K, maxOutputTokens: 100 * K }],
  ['o1-mini', { contextWindow: 128 * K, maxOutputTokens: 65_536 }],
  ['o1-preview', { contextWindow: 128 * K, maxOutputTokens: 32_768 }],
  ['o3', { contextWindow: 200 * K, maxOutputTokens: 100 * K }],
  ['o4-mini', { contextWindow: 200 * K, maxOutputTokens: 100 * K }],
  // Anthropic: 200k for every current model (Sonnet's 1M window needs a beta header: override it)
  ['claude-', { contextWindow: 200 * K, maxOutputTokens: 64 * K }],
  ['claude-3-', { contextWindow: 200 * K, maxOutputTokens: 4096 }],
  ['claude-3-5-', { contextWindow: 200 * K, maxOutputTokens: 8192 }],
  ['claude-opus-4', { contextWindow: 200 * K, maxOutputTokens: 32 * K }],
  ['claude-opus-4-5', { contextWindow: 200 * K, maxOutputTokens: 64 * K }],
  // Google
  ['gemini-', { contextWindow: 1_048_576, maxOutputTokens: 65_536 }],
  ['gemini-1.5-', { contextWindow: 1_048_576, maxOutputTokens: 8192 }],
  ['gemini-1.5-pro', { contextWindow: 2_097_152, maxOutputTokens: 8192 }],
  ['gemini-2.0-', { contextWindow: 1_048_576, maxOutputTokens: 8192 }],
  ['gemma-', { contextWindow: 128 * K, maxOutputTokens: 8192 }],
];

/**
 * The limits for `model`: the longest matching override, over the longest matching default (an override may
 * set one field; the other comes from the default), else the longest matching default.
 */
export function modelLimits(model: string, overrides: ModelLimitOverrides = {}): ModelLimits | undefined {
  const base = longestMatch(model, DEFAULT_MODEL_LIMITS);
  const override = longestMatch(model, Object.entries(overrides));
  if (!override) return base;
  const contextWindow = override.contextWindow ?? base?.contextWindow;
  if (contextWindow === undefined) return undefined;
  const maxOutputTokens = override.maxOutputTokens ?? Math.min(base?.maxOutputTokens ?? contextWindow, contextWindow);
  return { contextWindow, maxOutputTokens };
}

function longestMatch<T>(model: string, table: ReadonlyArray<readonly [string, T]>): T | undefined {
  let best: readonly [string, T] | undefined;
  for (const entry of table) {
    if (model.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  }
  return best?.[1];
}
