/**
 * The headers that explain every answer: who served it, how many attempts it took and why earlier ones were
 * abandoned. Documented in the README ("Response headers").
 */
import type { Warning } from '../../providers/types.ts';

export interface Explanation {
  requestId: string;
  provider?: string;
  model?: string;
  attempts: number;
  fallbackReasons: readonly string[];
  warnings?: readonly Warning[];
}

export function explainHeaders(explanation: Explanation): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': explanation.requestId,
    'x-switchyard-attempts': String(explanation.attempts),
  };
  if (explanation.provider) headers['x-switchyard-provider'] = explanation.provider;
  if (explanation.model) headers['x-switchyard-model'] = explanation.model;
  if (explanation.fallbackReasons.length) headers['x-switchyard-fallback-reason'] = explanation.fallbackReasons.join(',');
  if (explanation.warnings?.length) {
    // Header values must be ASCII without newlines; warnings are our own short texts.
    headers['x-switchyard-warnings'] = explanation.warnings
      .map((warning) => `${warning.param}: ${warning.message}`.replace(/[^\x20-\x7e]/g, ' '))
      .join('; ');
  }
  return headers;
}

export function newRequestId(): string {
  return `req_${crypto.randomUUID().replace(/-/g, '')}`;
}
