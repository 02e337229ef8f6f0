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
  RateLimitSnapshot,
  RawSseBatch,
  Warning,
} from '../../providers/types.ts';
import type { UpstreamFailure } from '../../providers/upstream-failure.ts';
import type { Clock } from '../clock.ts';
import type { RetryPolicy } from '../config/policy.ts';
import { abortable, linkedController } from './abortable.ts';
import { AttemptTimeout, ClientGone, EmptyStream, toFailure } from './attempt-errors.ts';
import { collectCompletion } from './collect-completion.ts';
import { IdleWatch } from './idle-watch.ts';

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

/** What an attempt that succeeded has for the client; `type` as in ProviderResult. */
export type Answer =
  | { type: 'json'; body: ChatCompletion /** The upstream's own text, relayed as it came. */; raw?: string }
  | { type: 'stream'; stream: CommittedStream<ChatCompletionChunk> }
  | { type: 'sse'; stream: CommittedStream<RawSseBatch> };

/**
 * One discriminant, `type`: an answer for the client, or the failure routing decides from. An answer carries
 * the rate-limit state its headers stated, for the client-side limits to learn from.
 */
export type AttemptResult =
  | (Answer & { firstByteMs: number; warnings: Warning[]; rateLimit?: RateLimitSnapshot })
  | { type: 'failure'; failure: UpstreamFailure; firstByteMs?: number };

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
  if (result.type === 'failure' && !input.clientStream && refusesStreaming(result.failure)) return jsonAttempt(input);
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
    return { ...jsonAnswer(result), firstByteMs: clock.now() - started, ...stated(result) };
  } catch (error) {
    controller.abort();
    if (input.clientSignal.aborted) throw new ClientGone();
    return { type: 'failure', failure: toFailure(error, input.provider.name, signal) };
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
      return { ...jsonAnswer(result), firstByteMs: clock.now() - started, ...stated(result) };
    }
    const answer: Answer =
      result.type === 'sse'
        ? { type: 'sse', stream: await commit(result.batches, (batch) => batch.token, run) }
        : { type: 'stream', stream: await commit(result.chunks, carriesToken, run) };
    const firstByteMs = run.firstByteMs ?? 0;
    if (input.clientStream || answer.type !== 'stream') return { ...answer, firstByteMs, ...stated(result) };
    // The client wants JSON: read the rest here, where a failure can still be retried elsewhere.
    const { buffered: chunks, watch, iterator } = answer.stream;
    for (;;) {
      const next = await watch.next(iterator);
      if (next.done) break;
      chunks.push(next.value);
    }
    watch.stop();
    return { type: 'json', body: collectCompletion(chunks), firstByteMs, ...stated(result) };
  } catch (error) {
    run.watch?.stop();
    cancelFirstToken();
    controller.abort();
    void run.iterator?.return?.();
    if (input.clientSignal.aborted) throw new ClientGone();
    return {
      type: 'failure',
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

/** What the provider's result tells beside the answer: warnings, and the rate-limit headers when sent. */
function stated(result: ProviderResult): { warnings: Warning[]; rateLimit?: RateLimitSnapshot } {
  return result.rateLimit ? { warnings: result.warnings, rateLimit: result.rateLimit } : { warnings: result.warnings };
}

function jsonAnswer(result: Extract<ProviderResult, { type: 'json' }>): Extract<Answer, { type: 'json' }> {
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
