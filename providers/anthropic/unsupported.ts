/**
 * The failure for "Anthropic cannot honour this request", raised before any network call. Routing reads
 * code `unsupported_parameter` as "this provider cannot serve this request" and moves on to the next one,
 * so a request that needs, say, `n: 3` still gets served by a provider that can.
 */
import { UpstreamFailure } from '../upstream-failure.ts';

export const PROVIDER_NAME = 'anthropic';

export function unsupportedParameter(param: string, message: string): UpstreamFailure {
  return new UpstreamFailure({
    provider: PROVIDER_NAME,
    kind: 'cannot_serve',
    status: 400,
    code: 'unsupported_parameter',
    param,
    message,
    preflight: true,
  });
}
