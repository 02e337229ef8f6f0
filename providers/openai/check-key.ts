/**
 * OpenAI's key check: `GET {baseURL}/models` with the key as a bearer token, as the SDK's `models.list()`
 * sends it. A wrong key is a 401 `invalid_api_key`; a key without access to the API (a region, a revoked
 * project) a 403. OpenAI-compatible servers answer what they answer (often 404: unverified).
 */
import { field, runKeyCheck } from '../shared/check-key.ts';
import { fetchTransport } from '../shared/http-transport.ts';
import type { KeyCheckResult, ProviderSettings } from '../types.ts';

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export function openaiKeyCheck(settings: ProviderSettings): (signal: AbortSignal) => Promise<KeyCheckResult> {
  const url = `${(settings.baseURL ?? OPENAI_BASE_URL).replace(/\/+$/, '')}/models`;
  return (signal) =>
    runKeyCheck({
      transport: settings.transport ?? fetchTransport,
      url,
      headers: { authorization: `Bearer ${settings.apiKey}` },
      signal,
      secret: settings.apiKey,
      errorCode: (body) => stringOf(field(field(body, 'error'), 'code')),
    });
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
