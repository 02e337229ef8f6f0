/**
 * Every provider the gateway knows, by name. A new provider is one folder under providers/ plus one line here.
 * Its environment variables follow from the name: `<NAME>_API_KEY`, `<NAME>_BASE_URL`.
 */
import type { Provider, ProviderSettings } from './types.ts';
import { createOpenAIProvider } from './openai/index.ts';
import { createAnthropicProvider } from './anthropic/index.ts';
import { createGeminiProvider } from './gemini/index.ts';

export type ProviderFactory = (settings: ProviderSettings) => Provider;

export const PROVIDERS: Readonly<Record<string, ProviderFactory>> = {
  openai: createOpenAIProvider,
  anthropic: createAnthropicProvider,
  gemini: createGeminiProvider,
};

export const PROVIDER_NAMES: readonly string[] = Object.keys(PROVIDERS);
