/**
 * The two ways a translator refuses a request before any network call. Both are `preflight`: the provider
 * never saw the request, so its health hears nothing of them.
 *
 * - `unsupportedParameter`: this provider cannot serve the request (kind `cannot_serve`, code
 *   `unsupported_parameter`). The request itself is fine — OpenAI would take it — so routing tries the next
 *   provider, and the client sees this 400 only if none can serve it.
 * - `invalidRequest`: the request is wrong whoever serves it (a tool message answering an id no assistant
 *   message issued, tool arguments that are not JSON), so failing over would only repeat the refusal.
 */
import { UpstreamFailure } from '../upstream-failure.ts';

export function unsupportedParameter(provider: string, param: string, message: string): UpstreamFailure {
  return new UpstreamFailure({
    provider,
    kind: 'cannot_serve',
    status: 400,
    code: 'unsupported_parameter',
    param,
    message,
    preflight: true,
  });
}

export function invalidRequest(provider: string, param: string, message: string): UpstreamFailure {
  return new UpstreamFailure({
    provider,
    kind: 'bad_request',
    status: 400,
    code: 'invalid_request',
    param,
    message,
    preflight: true,
  });
}
