/**
 * The one HTTP call a passthrough provider makes, behind an interface so each runtime can bring its fastest
 * client: `fetch` everywhere (the default here, runtime-neutral), `undici.request` on Node (injected by
 * src/node.ts: no WHATWG streams between the socket and the relay, about half the CPU of `fetch` per call).
 *
 * The response body is an async iterable of byte chunks as they arrive, consumed once; `cancel()` closes the
 * connection when the gateway stops reading early. Errors are the runtime's own (routing maps them).
 */
export interface HeaderReader {
  /** The header's value (lower-case name), several values joined by `, `; null when absent. */
  get(name: string): string | null;
}

export interface TransportRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: HeaderReader;
  body: AsyncIterable<Uint8Array>;
  /** The whole body as text (instead of iterating `body`). */
  text(): Promise<string>;
  /** Stop reading: closes the upstream connection. Safe to call more than once, or after the end. */
  cancel(): void;
}

export type HttpTransport = (request: TransportRequest) => Promise<TransportResponse>;

/** The runtime's `fetch` as a transport: what Workers use, and the default wherever nothing faster is injected. */
export const fetchTransport: HttpTransport = async (request) => {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: request.signal,
  });
  const stream = response.body;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    status: response.status,
    headers: response.headers,
    text: () => response.text(),
    cancel() {
      if (reader) void reader.cancel().catch(() => undefined);
      else if (stream && !stream.locked) void stream.cancel().catch(() => undefined);
    },
    body: {
      async *[Symbol.asyncIterator]() {
        if (!stream) return;
        reader = stream.getReader();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            yield value;
          }
        } finally {
          reader.releaseLock();
        }
      },
    },
  };
};
