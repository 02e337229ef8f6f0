/**
 * POST bodies must be JSON: a 415 in OpenAI's shape for any other declared Content-Type (a form post or
 * `text/plain` parsed as JSON would otherwise "work" by accident). A request without a Content-Type is
 * read as JSON, as OpenAI's API does for clients that omit it.
 */
import { createMiddleware } from 'hono/factory';
import { GatewayError } from '../gateway-error.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined || header.trim() === '') return true;
  return JSON_TYPE.test(header.split(';')[0]!.trim());
}

export function requireJson() {
  return createMiddleware(async function requireJson(c, next) {
    if (!isJsonContentType(c.req.header('content-type'))) {
      throw new GatewayError({
        status: 415,
        type: 'invalid_request_error',
        code: 'unsupported_media_type',
        message: 'The request body must be JSON, sent with "Content-Type: application/json".',
        headers: { 'x-should-retry': 'false' },
      });
    }
    await next();
  });
}
