/**
 * A provider whose module (and SDK) is loaded only when the provider is configured: the Anthropic and Gemini
 * SDKs cost about 25–30 MB of resident memory each, which a gateway that never fails over to them should not
 * pay. The import starts when the provider is built (at start-up, not on the first failover, so that a
 * failover does not wait for it); a call made before it finished waits for it.
 */
import type { KeyCheckResult, Provider, ProviderCall, ProviderResult, ProviderSettings } from './types.ts';

export type ProviderFactory = (settings: ProviderSettings) => Provider;

/** A key check that needs no SDK (the provider folder's check-key.ts), so checking keys loads nothing. */
export type KeyCheckFactory = (settings: ProviderSettings) => (signal: AbortSignal) => Promise<KeyCheckResult>;

export function lazyProvider(
  name: string,
  defaultModel: string,
  load: () => Promise<ProviderFactory>,
  keyCheck?: KeyCheckFactory,
): ProviderFactory {
  return function createLazyProvider(settings) {
    const ready = load().then((factory) => factory(settings));
    // A failed import is reported by the first call that needs the provider, not as an unhandled rejection.
    ready.catch(() => undefined);
    return {
      name,
      defaultModel: settings.defaultModel ?? defaultModel,
      async chat(call: ProviderCall): Promise<ProviderResult> {
        return (await ready).chat(call);
      },
      ...(keyCheck ? { checkKey: keyCheck(settings) } : {}),
    };
  };
}
