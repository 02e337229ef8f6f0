/**
 * The passthrough's HTTP call on Node: `undici.request` with one keep-alive pool per upstream origin.
 *
 * Why not the global `fetch` (which is undici too): `fetch` wraps every response in WHATWG Headers and a
 * ReadableStream and reads it through promise-per-chunk readers; on the overhead benchmark's JSON path that
 * was most of what the gateway spent beyond the Hono floor. `request` hands back the socket's Buffers as a
 * Node stream. Node-only, so it lives here and src/node.ts injects it (the core uses `fetchTransport`).
 */
import { request } from 'undici';
import type { HeaderReader, HttpTransport } from '../../providers/shared/http-transport.ts';

type RawHeaders = Record<string, string | string[] | undefined>;

export const undiciTransport: HttpTransport = async (call) => {
  const response = await request(call.url, {
    method: call.method,
    headers: call.headers,
    ...(call.body === undefined ? {} : { body: call.body }),
    signal: call.signal,
    // The gateway owns timeouts (first token, idle, non-streaming bound, deadline) through the signal.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const body = response.body;
  return {
    status: response.statusCode,
    headers: headerReader(response.headers),
    body,
    text: () => body.text(),
    cancel() {
      if (!body.destroyed) body.destroy();
    },
  };
};

function headerReader(headers: RawHeaders): HeaderReader {
  return {
    get(name) {
      const value = headers[name];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
