/**
 * Bearer-key checks for clients (`GATEWAY_API_KEYS`) and operators (the admin key). Keys are compared as
 * SHA-256 digests in constant time, across every configured key, so neither timing nor length tells an
 * attacker how close a guess was.
 */
import { createMiddleware } from 'hono/factory';
import { GatewayError } from '../gateway-error.ts';

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export function createKeyChecker(keys: readonly string[]): (presented: string | undefined) => Promise<boolean> {
  const digests = Promise.all(keys.map(digest));
  return async (presented) => {
    if (presented === undefined) return false;
    const candidate = await digest(presented);
    let match = false;
    for (const known of await digests) match = equalDigests(known, candidate) || match;
    return match;
  };
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
  return match?.[1]?.trim();
}

export function requireApiKey(keys: readonly string[]) {
  const check = createKeyChecker(keys);
  return createMiddleware(async function requireApiKey(c, next) {
    const token = bearerToken(c.req.header('authorization'));
    if (!(await check(token))) {
      throw new GatewayError({
        status: 401,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
        message:
          token === undefined
            ? 'Missing API key. Send it as "Authorization: Bearer <key>".'
            : 'Incorrect API key provided.',
      });
    }
    await next();
  });
}
