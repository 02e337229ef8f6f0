/**
 * Anthropic's key check: `GET {baseURL}/v1/models?limit=1` with the headers @anthropic-ai/sdk 1.x sends
 * (`Authorization: Bearer <key>`, `anthropic-version: 2026-10-21`; client.js `apiKeyAuth`, `buildHeaders`).
 * A wrong key is a 401 `authentication_error`, a key without permission a 403 `permission_error`. Sent with
 * the transport, not the SDK, so that checking a key does not load the SDK before it is needed.
 */
import { field, runKeyCheck } from '../shared/check-key.ts';
import { fetchTransport } from '../shared/http-transport.ts';
import type { KeyCheckResult, ProviderSettings } from '../types.ts';

const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
const ANTHROPIC_VERSION = '2026-10-21';

export function anthropicKeyCheck(settings: ProviderSettings): (signal: AbortSignal) => Promise<KeyCheckResult> {
  const url = `${(settings.baseURL ?? ANTHROPIC_BASE_URL).replace(/\/+$/, '')}/v1/models?limit=1`;
  return (signal) =>
    runKeyCheck({
      transport: settings.transport ?? fetchTransport,
      url,
      headers: { authorization: `Bearer ${settings.apiKey}`, 'anthropic-version': ANTHROPIC_VERSION },
      signal,
      secret: settings.apiKey,
      errorCode: (body) => {
        const type = field(field(body, 'error'), 'type');
        return typeof type === 'string' ? type : undefined;
      },
    });
}
