/**
 * Every provider the gateway knows, by name. A new provider is one folder under providers/ plus one line here.
 * Its environment variables follow from the name: `<NAME>_API_KEY`, `<NAME>_BASE_URL`.
 *
 * The OpenAI passthrough is loaded with the gateway (it is small and SDK-free); translating providers are
 * loaded only when configured (lazy-provider.ts).
 */

import { anthropicKeyCheck } from './anthropic/check-key.ts';
import { ANTHROPIC_DEFAULT_MODEL } from './anthropic/default-model.ts';
import { geminiKeyCheck } from './gemini/check-key.ts';
import { GEMINI_DEFAULT_MODEL } from './gemini/default-model.ts';
import { lazyProvider, type ProviderFactory } from './lazy-provider.ts';
import { createOpenAIProvider } from './openai/index.ts';

export type { ProviderFactory } from './lazy-provider.ts';

export const PROVIDERS: Readonly<Record<string, ProviderFactory>> = {
  openai: createOpenAIProvider,
  anthropic: lazyProvider(
    'anthropic',
    ANTHROPIC_DEFAULT_MODEL,
    async () => (await import('./anthropic/index.ts')).createAnthropicProvider,
    anthropicKeyCheck,
  ),
  gemini: lazyProvider(
    'gemini',
    GEMINI_DEFAULT_MODEL,
    async () => (await import('./gemini/index.ts')).createGeminiProvider,
    geminiKeyCheck,
  ),
};

export const PROVIDER_NAMES: readonly string[] = Object.keys(PROVIDERS);
