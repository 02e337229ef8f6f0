/**
 * One attempt at one provider with one key: the call, its timers, and — for a client that wants JSON from a
 * stream — reading the whole internal stream under the idle timer. Everything before the first token can still
 * be retried or failed over invisibly; an `Answer` is what may be shown to the client.
 *
 * How the upstream is asked (README "Retries, deadlines and failover"):
 * - a streaming client: a stream, bounded by the first-token timeout, then the idle timeout;
 * - a JSON client, streamed internally (`streamInternally`; by default for translated providers): the same
 *   timers, the answer rebuilt from the chunks; an upstream that refuses `stream: true` for the model (400 on
 *   `param: "stream"`) is asked again once without streaming, as neither a failover nor a health failure;
 * - a JSON client otherwise: one plain call, bounded by `nonStreamingTimeoutMs`, relayed as the upstream's text.
 */

import { carriesToken } from '../../providers/shared/carries-token.ts';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  Provider,
  ProviderResult,
  RawSseBatch,
  Warning,
} from '../../providers/types.ts';
import { isUpstreamFailure, UpstreamFailure } from '../../providers/upstream-failure.ts';
import type { Clock } from '../clock.ts';
import type { RetryPolicy } from '../config/policy.ts';
import { collectCompletion } from './collect-completion.ts';
import { IdleWatch } from './idle-watch.ts';

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

/** What an attempt that succeeded has for the client. */
export type Answer =
  | { type: 'json'; body: ChatCompletion /** The upstream's own text, relayed as it came. */; raw?: string }
  | { type: 'chunks'; stream: CommittedStream<ChatCompletionChunk> }
  | { type: 'sse'; stream: CommittedStream<RawSseBatch> };

export type AttemptResult =
  | { ok: true; firstByteMs: number; warnings: Warning[]; answer: Answer }
  | { ok: false; failure: UpstreamFailure; firstByteMs?: number };

export interface CommittedStream<T> {
  /** The items read up to and including the first token. */
  buffered: T[];
  iterator: AsyncIterator<T>;
  /** Aborts the attempt; its signal also aborts when the client's does. */
  controller: AbortController;
  signal: AbortSignal;
  /** The client's own signal: aborted means the client left. */
  clientSignal: AbortSignal;
  /** Reads the rest under the idle timeout; stop it when the stream ends. */
  watch: IdleWatch;
}

export async function runAttempt(input: AttemptInput): Promise<AttemptResult> {
  if (!input.clientStream && !streamsInternally(input.policy, input.provider)) return jsonAttempt(input);
  const result = await streamAttempt(input);
  if (!result.ok && !input.clientStream && refusesStreaming(result.failure)) return jsonAttempt(input);
  return result;
}

/** Whether a JSON client's request goes to this provider as a stream. */
export function streamsInternally(policy: RetryPolicy, provider: Provider): boolean {
  if (policy.streamInternally === 'always') return true;
  return policy.streamInternally === 'translated' && provider.passthrough !== true;
}

/** OpenAI's answer for a model the organization may not stream ("must be verified to stream this model"). */
function refusesStreaming(failure: UpstreamFailure): boolean {
  return failure.kind === 'bad_request' && failure.param === 'stream';
}

/** One plain call for a JSON answer, bounded by `nonStreamingTimeoutMs` (and the deadline). */
async function jsonAttempt(input: AttemptInput): Promise<AttemptResult> {
  const { clock, policy } = input;
  const started = clock.now();
  const { controller, unlink } = linkedController(input.clientSignal);
  const signal = controller.signal;
  const untilDeadline = Math.max(0, input.deadline - started);
  const boundMs = Math.min(policy.nonStreamingTimeoutMs, untilDeadline);
  const code = boundMs < policy.nonStreamingTimeoutMs ? 'deadline' : 'non_streaming_timeout';
  const cancelTimer = clock.schedule(boundMs, () => controller.abort(new AttemptTimeout(code, boundMs)));
  try {
    const result = await abortable(input.provider.chat(callFor(input, false, signal, untilDeadline)), signal);
    // A stream where none was asked for breaks the Provider contract: our bug, not the upstream's.
    if (result.type !== 'json') throw new Error(`${input.provider.name} answered a JSON call with a stream`);
    return { ok: true, firstByteMs: clock.now() - started, warnings: result.warnings, answer: jsonAnswer(result) };
  } catch (error) {
    controller.abort();
    if (input.clientSignal.aborted) throw new ClientGone();
    return { ok: false, failure: toFailure(error, input.provider.name, signal) };
  } finally {
    cancelTimer();
    unlink();
  }
}

/** What a stream attempt holds while it runs, for its timers and its cleanup. */
interface StreamRun {
  clock: Clock;
  policy: RetryPolicy;
  started: number;
  controller: AbortController;
  signal: AbortSignal;
  clientSignal: AbortSignal;
  cancelFirstToken: () => void;
  iterator?: AsyncIterator<unknown>;
  watch?: IdleWatch;
  firstByteMs?: number;
}

/** A stream call: first-token timeout until the commit point, then the idle timeout. */
async function streamAttempt(input: AttemptInput): Promise<AttemptResult> {
  const { clock, policy } = input;
  const started = clock.now();
  // The link to the client's signal stays for the life of the stream (it ends with the request).
  const { controller } = linkedController(input.clientSignal);
  const signal = controller.signal;
  const untilDeadline = Math.max(0, input.deadline - started);
  const firstTokenMs = Math.min(policy.firstTokenTimeoutMs, untilDeadline);
  const firstTokenCode = firstTokenMs < policy.firstTokenTimeoutMs ? 'deadline' : 'first_token_timeout';
  // One timer covers the call and the wait for the first token.
  const cancelFirstToken = clock.schedule(firstTokenMs, () =>
    controller.abort(new AttemptTimeout(firstTokenCode, firstTokenMs)),
  );
  const run: StreamRun = {
    clock,
    policy,
    started,
    controller,
    signal,
    clientSignal: input.clientSignal,
    cancelFirstToken,
  };
  try {
    const result = await abortable(input.provider.chat(callFor(input, true, signal, untilDeadline)), signal);
    if (result.type === 'json') {
      cancelFirstToken();
      return { ok: true, firstByteMs: clock.now() - started, warnings: result.warnings, answer: jsonAnswer(result) };
    }
    const answer: Answer =
      result.type === 'sse'
        ? { type: 'sse', stream: await commit(result.batches, (batch) => batch.token, run) }
        : { type: 'chunks', stream: await commit(result.chunks, carriesToken, run) };
    const firstByteMs = run.firstByteMs ?? 0;
    if (input.clientStream || answer.type !== 'chunks')
      return { ok: true, firstByteMs, warnings: result.warnings, answer };
    // The client wants JSON: read the rest here, where a failure can still be retried elsewhere.
    const { buffered: chunks, watch, iterator } = answer.stream;
    for (;;) {
      const next = await watch.next(iterator);
      if (next.done) break;
      chunks.push(next.value);
    }
    watch.stop();
    return {
      ok: true,
      firstByteMs,
      warnings: result.warnings,
      answer: { type: 'json', body: collectCompletion(chunks) },
    };
  } catch (error) {
    run.watch?.stop();
    cancelFirstToken();
    controller.abort();
    void run.iterator?.return?.();
    if (input.clientSignal.aborted) throw new ClientGone();
    return {
      ok: false,
      failure: toFailure(error, input.provider.name, signal),
      ...(run.firstByteMs === undefined ? {} : { firstByteMs: run.firstByteMs }),
    };
  }
}

/** Reads up to the first token (the commit point) and hands the rest over to the idle watch. */
async function commit<T>(
  items: AsyncIterable<T>,
  isToken: (item: T) => boolean,
  run: StreamRun,
): Promise<CommittedStream<T>> {
  const iterator = items[Symbol.asyncIterator]();
  run.iterator = iterator;
  const buffered = await readToFirstToken(iterator, isToken, run.signal);
  run.cancelFirstToken();
  run.firstByteMs = run.clock.now() - run.started;
  const { idleTimeoutMs } = run.policy;
  run.watch = new IdleWatch(run.clock, idleTimeoutMs, run.signal, () =>
    run.controller.abort(new AttemptTimeout('idle_timeout', idleTimeoutMs)),
  );
  return {
    buffered,
    iterator,
    controller: run.controller,
    signal: run.signal,
    clientSignal: run.clientSignal,
    watch: run.watch,
  };
}

/**
 * A controller that also aborts when `parent` does, with the parent's reason: what `AbortSignal.any` gives,
 * without its weak-reference bookkeeping (which showed in stream profiles as AbortSignal work).
 */
function linkedController(parent: AbortSignal): { controller: AbortController; unlink: () => void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, unlink: () => undefined };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, unlink: () => parent.removeEventListener('abort', onAbort) };
}

function callFor(input: AttemptInput, stream: boolean, signal: AbortSignal, timeoutMs: number) {
  return {
    request: input.request,
    model: input.model,
    stream,
    // A JSON client's answer is rebuilt from the chunks, usage included; a streaming client gets what it asked.
    includeUsage: input.clientStream ? input.includeUsage : true,
    relay: input.clientStream,
    signal,
    timeoutMs,
    ...(input.includeReasoning ? { includeReasoning: true } : {}),
  };
}

function jsonAnswer(result: Extract<ProviderResult, { type: 'json' }>): Answer {
  return result.raw === undefined
    ? { type: 'json', body: result.body }
    : { type: 'json', body: result.body, raw: result.raw };
}

/** Items up to and including the first that carries a token; a stream that ends before one is a failure. */
async function readToFirstToken<T>(
  iterator: AsyncIterator<T>,
  isToken: (item: T) => boolean,
  signal: AbortSignal,
): Promise<T[]> {
  const buffered: T[] = [];
  for (;;) {
    const next = await abortable(iterator.next(), signal);
    if (next.done) break;
    buffered.push(next.value);
    if (isToken(next.value)) return buffered;
  }
  throw new EmptyStream();
}

class EmptyStream extends Error {}

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
