/**
 * A provider whose module (and SDK) is loaded only when the provider is configured: the Anthropic and Gemini
 * SDKs cost about 25–30 MB of resident memory each, which a gateway that never fails over to them should not
 * pay. When the import starts is the entry's choice (`ProviderLoading`): on Node when the provider is built
 * (at start-up, so that a failover does not wait for it); on Workers at the provider's first call, because
 * a new isolate's start-up is its first request, and evaluating an SDK there would cost that request (a
 * JSON passthrough answered by OpenAI) more CPU than the whole Free plan allows. A call made before the
 * import finished waits for it.
 */
import type { KeyCheckResult, Provider, ProviderCall, ProviderResult, ProviderSettings } from './types.ts';

export type ProviderFactory = (settings: ProviderSettings) => Provider;

/** 'at-start': import when the provider is built; 'on-first-call': when it is first asked for an answer. */
export type ProviderLoading = 'at-start' | 'on-first-call';

/** A key check that needs no SDK (the provider folder's check-key.ts), so checking keys loads nothing. */
export type KeyCheckFactory = (settings: ProviderSettings) => (signal: AbortSignal) => Promise<KeyCheckResult>;

export interface LazyProviderOptions {
  /** When the import starts. Default 'at-start'. */
  loading?: ProviderLoading;
  keyCheck?: KeyCheckFactory;
}

export function lazyProvider(
  name: string,
  defaultModel: string,
  load: () => Promise<ProviderFactory>,
  options: LazyProviderOptions = {},
): ProviderFactory {
  const { loading = 'at-start', keyCheck } = options;
  return function createLazyProvider(settings) {
    let ready: Promise<Provider> | undefined;
    const provider = () => {
      if (!ready) {
        ready = load().then((factory) => factory(settings));
        // A failed import is reported by the first call that needs the provider, not as an unhandled rejection.
        ready.catch(() => undefined);
      }
      return ready;
    };
    if (loading === 'at-start') provider();
    return {
      name,
      defaultModel: settings.defaultModel ?? defaultModel,
      async chat(call: ProviderCall): Promise<ProviderResult> {
        return (await provider()).chat(call);
      },
      ...(keyCheck ? { checkKey: keyCheck(settings) } : {}),
    };
  };
}
