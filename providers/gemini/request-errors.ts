import { UpstreamFailure } from '../upstream-failure.ts';

/**
 * The two ways a request can be refused before any network call.
 *
 * `unsupported_parameter` tells routing "this provider cannot serve this request, try the next one" (the request
 * itself is fine, OpenAI would take it). `invalid_request` means the request is wrong whoever serves it (a tool
 * message answering an id no assistant message issued, tool arguments that are not JSON), so failing over would
 * only repeat the refusal.
 */
export function unsupportedParameter(param: string, message: string): UpstreamFailure {
  return new UpstreamFailure({
    provider: 'gemini',
    kind: 'cannot_serve',
    status: 400,
    code: 'unsupported_parameter',
    param,
    message,
    preflight: true,
  });
}

export function invalidRequest(param: string, message: string): UpstreamFailure {
  return new UpstreamFailure({
    provider: 'gemini',
    kind: 'bad_request',
    status: 400,
    code: 'invalid_request',
    param,
    message,
    preflight: true,
  });
}
