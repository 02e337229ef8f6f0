/**
 * How an attempt ends when it does not serve: the gateway's own timeouts, the client leaving, and anything an
 * attempt threw, turned into the one UpstreamFailure routing decides from.
 */
import { isUpstreamFailure, UpstreamFailure } from '../../providers/upstream-failure.ts';

/** Why the gateway itself cut an attempt short. Used as the AbortSignal reason. */
export class AttemptTimeout extends Error {
  readonly code: 'first_token_timeout' | 'idle_timeout' | 'non_streaming_timeout' | 'deadline';
  constructor(code: AttemptTimeout['code'], ms: number) {
    super(`${code.replaceAll('_', ' ')} after ${ms} ms`);
    this.name = 'AttemptTimeout';
    this.code = code;
  }
}

/** The client went away: stop everything, report nothing to health (not the provider's fault). */
export class ClientGone extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGone';
  }
}

/** A stream that ended before its first token. */
export class EmptyStream extends Error {}

/** Anything an attempt threw, as an UpstreamFailure. */
export function toFailure(error: unknown, provider: string, signal: AbortSignal): UpstreamFailure {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  const timeout = error instanceof AttemptTimeout ? error : reason instanceof AttemptTimeout ? reason : undefined;
  if (timeout) {
    return new UpstreamFailure({
      provider,
      kind: 'timeout',
      code: timeout.code,
      message: `${provider}: ${timeout.message}`,
    });
  }
  if (isUpstreamFailure(error)) return error;
  if (error instanceof EmptyStream) {
    return new UpstreamFailure({
      provider,
      kind: 'stream_interrupted',
      code: 'empty_stream',
      message: `${provider} ended the stream without any answer`,
    });
  }
  // A bug in a translator or an SDK surprise: treat it as that provider's server error so the request is
  // still served elsewhere, and keep the detail for the logs (it never carries keys: it is our own code's).
  return new UpstreamFailure({
    provider,
    kind: 'server',
    code: 'gateway_internal',
    message: `${provider}: unexpected error while handling the answer`,
    cause: error,
  });
}
