/**
 * A `fetch` for one call that remembers the HTTP error response's headers, and whether it was called at all.
 *
 * The SDK's `ApiError` keeps the status and the whole JSON error body (in its message) but drops the headers,
 * and a 429 may carry `Retry-After` (node_modules/@google/genai/dist/node/index.mjs, `throwErrorIfNotOK`).
 * `httpOptions.fetch` is the SDK's documented hook (genai.d.ts, `HttpOptions.fetch?: Fetch`); passing it per
 * call (`config.httpOptions`) keeps what it records private to that call. Nothing else changes: the response
 * goes back to the SDK untouched.
 *
 * One side effect, on Node only: with a custom fetch the SDK does not install its undici dispatcher that turns
 * off undici's default 300 s header/body timeouts; the gateway's per-attempt timeout is far below that anyway.
 */
export interface ResponseCapture {
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  /** Headers of the last response with an error status, if any. */
  readonly errorHeaders: Headers | undefined;
  /** Whether the SDK got as far as the network: an error before that is the SDK's own check, not Gemini's. */
  readonly sent: boolean;
}

export function createResponseCapture(): ResponseCapture {
  let errorHeaders: Headers | undefined;
  let sent = false;
  return {
    fetch: async (input, init) => {
      sent = true;
      // Looked up per call, not at module load, so a runtime's (or a test's) fetch is the one used.
      const response = await globalThis.fetch(input, init);
      if (!response.ok) errorHeaders = response.headers;
      return response;
    },
    get errorHeaders() {
      return errorHeaders;
    },
    get sent() {
      return sent;
    },
  };
}
