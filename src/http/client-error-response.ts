/**
 * The raw HTTP/1.1 answer to a request the Node server itself rejects before the app sees it (malformed
 * request line or headers, headers too large, a request not received in time). Node's own answers have empty
 * bodies; OpenAI clients then report "400 status code (no body)". Pure: node.ts writes it to the socket.
 */
export interface ClientErrorLike {
  code?: string;
}

interface Shape {
  status: number;
  reason: string;
  code: string;
  message: string;
  retry: boolean;
}

/** The statuses Node itself uses for these errors (lib/_http_server.js `socketOnError`). */
function shapeFor(error: ClientErrorLike, timeouts: { headersTimeoutMs: number; requestTimeoutMs: number }): Shape {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        reason: 'Request Header Fields Too Large',
        code: 'request_headers_too_large',
        message: 'The request headers are too large.',
        retry: false,
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        reason: 'Payload Too Large',
        code: 'request_too_large',
        message: 'The chunk extensions of the request body are too large.',
        retry: false,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        reason: 'Request Timeout',
        code: 'request_timeout',
        message: `The request was not received in time (headers within ${timeouts.headersTimeoutMs} ms, the whole request within ${timeouts.requestTimeoutMs} ms).`,
        retry: true,
      };
    default:
      return {
        status: 400,
        reason: 'Bad Request',
        code: 'malformed_request',
        message: 'The request is not valid HTTP/1.1.',
        retry: false,
      };
  }
}

export function clientErrorResponse(
  error: ClientErrorLike,
  timeouts: { headersTimeoutMs: number; requestTimeoutMs: number },
): string {
  const shape = shapeFor(error, timeouts);
  const body = JSON.stringify({
    error: { message: shape.message, type: 'invalid_request_error', param: null, code: shape.code },
  });
  return [
    `HTTP/1.1 ${shape.status} ${shape.reason}`,
    'content-type: application/json',
    `content-length: ${new TextEncoder().encode(body).length}`,
    'connection: close',
    ...(shape.retry ? [] : ['x-should-retry: false']),
    '',
    body,
  ].join('\r\n');
}
