/**
 * What every provider's error mapper (openai, anthropic and gemini `map-error.ts`) is told besides the error
 * itself. One shape, so that a provider cannot forget the key to redact or the phase a failure happened in.
 */
import type { HeaderReader } from './http-transport.ts';

export interface MapErrorContext {
  /** Strings removed, whole, from every message and field an upstream sent: the provider's API key. */
  secrets: readonly string[];
  /**
   * `request` until the response started, `stream` while reading it: a connection lost in the `stream` phase
   * is an interrupted stream (the answer was cut), in the `request` phase a network failure.
   */
  phase: 'request' | 'stream';
  /** The error response's headers, where the error does not carry them (the Gemini SDK drops them). */
  headers?: HeaderReader;
  /** Clock for HTTP-date Retry-After values; injectable for tests. */
  now?: number;
}
