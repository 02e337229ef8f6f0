/**
 * One attempt at one provider with one key: the call, the first-token timer, and — for a client that wants
 * JSON — reading the whole internal stream under the idle timer. Everything before the first token can still
 * be retried or failed over invisibly; `Attempt.committed` is what may be shown to the client.
 */
import type { Clock } from '../clock.ts';
import type { RetryPolicy } from '../config/policy.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Provider, Warning } from '../../providers/types.ts';
import { isUpstreamFailure, UpstreamFailure } from '../../providers/upstream-failure.ts';
import { carriesToken, collectCompletion } from './collect-completion.ts';
import { IdleWatch } from './idle-watch.ts';

/** Why the gateway itself cut an attempt short. Used as the AbortSignal reason. */
export class AttemptTimeout extends Error {
  readonly code: 'first_token_timeout' | 'idle_timeout' | 'deadline';
  constructor(code: AttemptTimeout['code'], ms: number) {
    super(`${code.replace('_', ' ')} after ${ms} ms`);
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

export interface AttemptInput {
  provider: Provider;
  model: string;
  request: ChatRequest;
  /** The client asked for a stream. */
  clientStream: boolean;
  /** The client asked for a usage chunk at the end of its stream. */
  includeUsage: boolean;
  /** Translating providers add `reasoning_content` (ProviderCall.includeReasoning). */
  includeReasoning?: boolean;
  clientSignal: AbortSignal;
  deadline: number;
  policy: RetryPolicy;
  clock: Clock;
}

export type AttemptResult =
  | { ok: true; firstByteMs: number; warnings: Warning[]; json: ChatCompletion }
  | {
      ok: true;
      firstByteMs: number;
      warnings: Warning[];
      /** Starts with the buffered chunks up to and including the first token. */
      stream: CommittedStream;
    }
  | { ok: false; failure: UpstreamFailure; firstByteMs?: number };

export interface CommittedStream {
  buffered: ChatCompletionChunk[];
  iterator: AsyncIterator<ChatCompletionChunk>;
  controller: AbortController;
  signal: AbortSignal;
  /** Reads the rest under the idle timeout; stop it when the stream ends. */
  watch: IdleWatch;
}

export async function runAttempt(input: AttemptInput): Promise<AttemptResult> {
  const { clock, policy } = input;
  const started = clock.now();
  const controller = new AbortController();
  const signal = AbortSignal.any([input.clientSignal, controller.signal]);
  const untilDeadline = Math.max(0, input.deadline - started);
  const firstTokenMs = Math.min(policy.firstTokenTimeoutMs, untilDeadline);
  const firstTokenCode = firstTokenMs < policy.firstTokenTimeoutMs ? 'deadline' : 'first_token_timeout';
  const internalStream = input.clientStream || policy.streamInternally;
  let iterator: AsyncIterator<ChatCompletionChunk> | undefined;
  let firstByteMs: number | undefined;
  let watch: IdleWatch | undefined;
  // One timer covers the call and the wait for the first token.
  const cancelFirstToken = clock.schedule(firstTokenMs, () => controller.abort(new AttemptTimeout(firstTokenCode, firstTokenMs)));
  try {
    const result = await abortable(
      input.provider.chat({
        request: input.request,
        model: input.model,
        stream: internalStream,
        includeUsage: input.clientStream ? input.includeUsage : true,
        signal,
        timeoutMs: untilDeadline,
        ...(input.includeReasoning ? { includeReasoning: true } : {}),
      }),
      signal,
    );
    if (result.type === 'json') {
      cancelFirstToken();
      return { ok: true, firstByteMs: clock.now() - started, warnings: result.warnings, json: result.body };
    }
    iterator = result.chunks[Symbol.asyncIterator]();
    const buffered: ChatCompletionChunk[] = [];
    for (;;) {
      const next = await abortable(iterator.next(), signal);
      if (next.done) break;
      buffered.push(next.value);
      if (carriesToken(next.value)) break;
    }
    cancelFirstToken();
    firstByteMs = clock.now() - started;
    if (buffered.length === 0 || !buffered.some(carriesToken)) {
      throw new UpstreamFailure({
        provider: input.provider.name,
        kind: 'stream_interrupted',
        code: 'empty_stream',
        message: `${input.provider.name} ended the stream without any answer`,
      });
    }
    watch = new IdleWatch(clock, policy.idleTimeoutMs, signal, () => controller.abort(new AttemptTimeout('idle_timeout', policy.idleTimeoutMs)));
    if (input.clientStream) {
      return { ok: true, firstByteMs, warnings: result.warnings, stream: { buffered, iterator, controller, signal, watch } };
    }
    // The client wants JSON: read the rest here, where a failure can still be retried elsewhere.
    for (;;) {
      const next = await watch.next(iterator);
      if (next.done) break;
      buffered.push(next.value);
    }
    watch.stop();
    return { ok: true, firstByteMs, warnings: result.warnings, json: collectCompletion(buffered) };
  } catch (error) {
    watch?.stop();
    cancelFirstToken();
    controller.abort();
    void iterator?.return?.();
    if (input.clientSignal.aborted) throw new ClientGone();
    return { ok: false, failure: toFailure(error, input.provider.name, signal), ...(firstByteMs === undefined ? {} : { firstByteMs }) };
  }
}

/**
 * Rejects as soon as `signal` aborts, even if `work` does not notice (a provider that ignores its signal
 * must not be able to hang the gateway).
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Anything an attempt threw, as an UpstreamFailure. */
export function toFailure(error: unknown, provider: string, signal: AbortSignal): UpstreamFailure {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  const timeout = error instanceof AttemptTimeout ? error : reason instanceof AttemptTimeout ? reason : undefined;
  if (timeout) {
    return new UpstreamFailure({ provider, kind: 'timeout', code: timeout.code, message: `${provider}: ${timeout.message}` });
  }
  if (isUpstreamFailure(error)) return error;
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
