/**
 * Every provider the gateway knows, by name. A new provider is one folder under providers/ plus one line here.
 * Its environment variables follow from the name: `<NAME>_API_KEY`, `<NAME>_BASE_URL`.
 *
 * The OpenAI passthrough is loaded with the gateway (it is small and SDK-free); translating providers are
 * loaded only when configured, at start-up or at their first call (lazy-provider.ts).
 */

import { anthropicKeyCheck } from './anthropic/check-key.ts';
import { ANTHROPIC_DEFAULT_MODEL } from './anthropic/default-model.ts';
import { geminiKeyCheck } from './gemini/check-key.ts';
import { GEMINI_DEFAULT_MODEL } from './gemini/default-model.ts';
import { lazyProvider, type ProviderFactory, type ProviderLoading } from './lazy-provider.ts';
import { createOpenAIProvider } from './openai/index.ts';

export type { ProviderFactory, ProviderLoading } from './lazy-provider.ts';

export function providerRegistry(loading: ProviderLoading): Readonly<Record<string, ProviderFactory>> {
  return {
    openai: createOpenAIProvider,
    anthropic: lazyProvider(
      'anthropic',
      ANTHROPIC_DEFAULT_MODEL,
      async () => (await import('./anthropic/index.ts')).createAnthropicProvider,
      { loading, keyCheck: anthropicKeyCheck },
    ),
    gemini: lazyProvider(
      'gemini',
      GEMINI_DEFAULT_MODEL,
      async () => (await import('./gemini/index.ts')).createGeminiProvider,
      { loading, keyCheck: geminiKeyCheck },
    ),
  };
}

/** The registry the Node entry and the tests use: translating providers imported at start-up. */
export const PROVIDERS: Readonly<Record<string, ProviderFactory>> = providerRegistry('at-start');

export const PROVIDER_NAMES: readonly string[] = Object.keys(PROVIDERS);
