/**
 * Gemini's key check: `GET {baseURL}/v1beta/models?pageSize=1` with the key in `x-goog-api-key`, as
 * @google/genai sends it (never in the URL). A wrong key is not a 401 here but a 400 INVALID_ARGUMENT whose
 * details carry `ErrorInfo.reason: API_KEY_INVALID`; a key without access a 403 PERMISSION_DENIED.
 */
import { field, runKeyCheck } from '../shared/check-key.ts';
import { fetchTransport } from '../shared/http-transport.ts';
import type { KeyCheckResult, ProviderSettings } from '../types.ts';

const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

export function geminiKeyCheck(settings: ProviderSettings): (signal: AbortSignal) => Promise<KeyCheckResult> {
  const url = `${(settings.baseURL ?? GEMINI_BASE_URL).replace(/\/+$/, '')}/v1beta/models?pageSize=1`;
  return (signal) =>
    runKeyCheck({
      transport: settings.transport ?? fetchTransport,
      url,
      headers: { 'x-goog-api-key': settings.apiKey },
      signal,
      secret: settings.apiKey,
      rejectsKey: (status, body) => status === 400 && errorReason(body) === 'API_KEY_INVALID',
      errorCode: (body) => errorReason(body) ?? stringOf(field(field(body, 'error'), 'status')),
    });
}

function errorReason(body: unknown): string | undefined {
  const details = field(field(body, 'error'), 'details');
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const reason = field(detail, 'reason');
    if (typeof reason === 'string') return reason;
  }
  return undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
