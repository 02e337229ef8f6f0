/**
 * The retry-and-failover loop: candidates from the plan, keys from the pools, attempts until one serves or
 * the policy (attempts, per-provider attempts, retry budget, deadline) says stop. Decisions come from
 * `classify()` only. Every attempt is reported to health as an Outcome.
 */

import type { ChatCompletion, ChatCompletionChunk, ChatRequest, RawSseBatch, Warning } from '../../providers/types.ts';
import type { UpstreamFailure } from '../../providers/upstream-failure.ts';
import type { Clock } from '../clock.ts';
import type { GatewayConfig } from '../config/load-config.ts';
import type { RetryPolicy } from '../config/policy.ts';
import type { GatewayError } from '../gateway-error.ts';
import type { HealthMonitor } from '../health/types.ts';
import { findContextOverflow } from '../limits/check-context.ts';
import type { KeyPool } from '../limits/key-pool.ts';
import type { Logger } from '../telemetry/logger.ts';
import { type AttemptResult, ClientGone, type CommittedStream, runAttempt, toFailure } from './attempt.ts';
import { backoffDelay } from './backoff.ts';
import { type Classification, classify, reasonCode } from './classify.ts';
import { contextFailure } from './context-preflight.ts';
import { clientError, finalError, noProviderError } from './final-error.ts';
import { type Candidate, planRequest } from './plan.ts';
import type { RetryBudget } from './retry-budget.ts';

export interface EngineDeps {
  config: GatewayConfig;
  pools: ReadonlyMap<string, KeyPool>;
  health: HealthMonitor;
  budget: RetryBudget;
  clock: Clock;
  logger: Logger;
  random?: () => number;
}

export interface ExecuteInput {
  request: ChatRequest;
  clientStream: boolean;
  includeUsage: boolean;
  signal: AbortSignal;
  /** The client may lower the deadline for one request (x-switchyard-deadline-ms). */
  deadlineMs?: number;
  /** The request's `include_reasoning`; undefined leaves it to the route's `includeReasoning`. */
  includeReasoning?: boolean;
}

export interface AttemptRecord {
  provider: string;
  model: string;
  key: string;
  ok: boolean;
  reason?: string;
  ms: number;
}

export interface ServedBase {
  provider: string;
  model: string;
  key: string;
  attempts: AttemptRecord[];
  fallbackReasons: string[];
  warnings: Warning[];
  firstByteMs: number;
}

export type Served =
  | (ServedBase & {
      type: 'json';
      body: ChatCompletion /** The upstream's own text, to relay as it came. */;
      raw?: string;
    })
  | (ServedBase & {
      type: 'stream';
      /** Yields every chunk; throws UpstreamFailure if the stream breaks after the commit point. */
      chunks: AsyncGenerator<ChatCompletionChunk, void, undefined>;
    })
  | (ServedBase & {
      type: 'sse';
      /** The upstream's own events, to relay byte for byte; throws like `chunks`. */
      batches: AsyncGenerator<RawSseBatch, void, undefined>;
    });

export async function execute(deps: EngineDeps, input: ExecuteInput): Promise<Served> {
  const { config, pools, health, budget, clock, logger } = deps;
  const model = input.request.model;
  const plan = planRequest(model, config, health, (name) => pools.get(name)?.defaultModel ?? '');
  const policy: RetryPolicy = plan.policy;
  const started = clock.now();
  const deadline = started + Math.min(policy.deadlineMs, input.deadlineMs ?? Number.POSITIVE_INFINITY);
  const attempts: AttemptRecord[] = [];
  const failures: UpstreamFailure[] = [];
  const reasons: string[] = [];
  let queue: Candidate[] = plan.candidates.filter((candidate) => pools.has(candidate.provider));
  let contextFallbackUsed = false;
  let deadlineHit = false;

  if (queue.length === 0) throw noProviderError(model);

  candidates: for (let index = 0; index < queue.length; index++) {
    const candidate = queue[index]!;
    const pool = pools.get(candidate.provider)!;
    const triedKeys = new Set<string>();
    let attemptsHere = 0;
    let retriesHere = 0;
    budget.recordRequest(candidate.provider);

    for (;;) {
      if (attempts.length >= policy.maxAttempts) break candidates;
      if (clock.now() >= deadline) {
        deadlineHit = true;
        break candidates;
      }
      // While start-up key checks run (Node's first moments), a key under check is waited for, not guessed at.
      const key = pool.checking ? await pool.nextChecked(triedKeys) : pool.next(triedKeys);
      if (!key) {
        if (attemptsHere === 0) reasons.push(`${candidate.provider}:no_usable_key`);
        continue candidates;
      }
      attemptsHere++;
      const attemptStart = clock.now();
      const overflow = attemptsHere === 1 ? await contextOverflow(deps, input.request, candidate) : undefined;
      const result: AttemptResult = overflow
        ? { ok: false, failure: contextFailure(candidate.provider, overflow) }
        : await runAttempt({
            provider: key.provider,
            model: candidate.model,
            request: input.request,
            clientStream: input.clientStream,
            includeUsage: input.includeUsage,
            includeReasoning: input.includeReasoning ?? plan.route?.includeReasoning ?? false,
            clientSignal: input.signal,
            deadline,
            policy,
            clock,
          });
      const ms = clock.now() - attemptStart;

      if (result.ok) {
        attempts.push({ provider: candidate.provider, model: candidate.model, key: key.id, ok: true, ms });
        const base: ServedBase = {
          provider: candidate.provider,
          model: candidate.model,
          key: key.id,
          attempts,
          fallbackReasons: reasons,
          warnings: result.warnings,
          firstByteMs: clock.now() - started,
        };
        const answer = result.answer;
        switch (answer.type) {
          case 'json':
            health.record({
              provider: candidate.provider,
              model: candidate.model,
              ok: true,
              firstByteMs: result.firstByteMs,
              latencyMs: ms,
              retriesExhausted: false,
              probe: candidate.probe,
              at: clock.now(),
            });
            return answer.raw === undefined
              ? { ...base, type: 'json', body: answer.body }
              : { ...base, type: 'json', body: answer.body, raw: answer.raw };
          case 'chunks':
            return {
              ...base,
              type: 'stream',
              chunks: relay(answer.stream, deps, candidate, attemptStart, result.firstByteMs),
            };
          case 'sse':
            return {
              ...base,
              type: 'sse',
              batches: relay(answer.stream, deps, candidate, attemptStart, result.firstByteMs),
            };
        }
      }

      const failure = result.failure;
      failures.push(failure);
      const code = reasonCode(failure);
      reasons.push(code);
      attempts.push({ provider: candidate.provider, model: candidate.model, key: key.id, ok: false, reason: code, ms });
      const decision = classify(failure);
      if (decision.key) {
        pool.mark(key.id, decision.key, failure.retryAfterMs);
        triedKeys.add(key.id);
        logger.log('warn', decision.key === 'bad' ? 'key_rejected' : 'key_quota_exhausted', {
          alert: true,
          provider: candidate.provider,
          key: key.id,
          status: failure.status,
          code: failure.code,
        });
      }
      const { next, note, delay } = chooseNext({
        failure,
        decision,
        deps,
        policy,
        deadline,
        queue,
        index,
        attemptsHere,
        retriesHere,
        attemptsSoFar: attempts.length,
        anotherKey: decision.key !== undefined && pool.next(triedKeys) !== undefined,
      });
      if (note) reasons.push(note);
      // A preflight failure never reached the provider: it says nothing about the provider's health.
      if (!failure.preflight && failure.code !== 'unsupported_parameter') {
        health.record({
          provider: candidate.provider,
          model: candidate.model,
          ok: false,
          kind: failure.kind,
          ...(failure.status ? { status: failure.status } : {}),
          ...(result.firstByteMs === undefined ? {} : { firstByteMs: result.firstByteMs }),
          latencyMs: ms,
          // The gateway gave up on a provider it would have retried: what health calls retry exhaustion.
          retriesExhausted: next === 'failover' && decision.action === 'retry',
          probe: candidate.probe,
          at: clock.now(),
        });
      }
      logger.log('info', 'attempt_failed', {
        provider: candidate.provider,
        model: candidate.model,
        key: key.id,
        reason: code,
        decision: next,
        ms,
      });

      switch (next) {
        case 'return':
          throw withTrail(clientError(failure), attempts, reasons);
        case 'context_fallback': {
          const fallback = plan.route?.contextFallback ? config.routes.get(plan.route.contextFallback) : undefined;
          if (!fallback || contextFallbackUsed) throw withTrail(clientError(failure), attempts, reasons);
          contextFallbackUsed = true;
          reasons.push(`context_fallback:${fallback.name}`);
          queue = [
            ...queue.slice(0, index + 1),
            ...fallback.targets.filter((t) => pools.has(t.provider)).map((t) => ({ ...t, probe: false })),
          ];
          continue candidates;
        }
        case 'next_key':
          continue;
        case 'failover':
          continue candidates;
        case 'retry':
          retriesHere++;
          try {
            await clock.sleep(delay ?? 0, input.signal);
          } catch {
            throw new ClientGone();
          }
          // Health may have moved traffic away while we waited: do not retry into a tripped provider.
          if (
            !candidate.probe &&
            health.get(candidate.provider).state !== 'healthy' &&
            hasHealthyAlternative(queue, index, deps)
          ) {
            reasons.push(`${candidate.provider}:unhealthy`);
            continue candidates;
          }
          continue;
      }
    }
  }

  const error = finalError(failures, {
    model,
    attempts: attempts.length,
    elapsedMs: clock.now() - started,
    deadlineHit,
  });
  logger.log('warn', 'request_failed', {
    model,
    attempts: attempts.length,
    reasons,
    status: error.status,
    code: error.code,
  });
  throw withTrail(error, attempts, reasons);
}

/** The context check, once per candidate (README "Token counting and context windows"); off with contextCheck. */
function contextOverflow(deps: EngineDeps, request: ChatRequest, candidate: Candidate) {
  if (deps.config.contextCheck === false) return undefined;
  return findContextOverflow(request, candidate.provider, candidate.model, deps.config.models);
}

function withTrail(error: GatewayError, attempts: readonly AttemptRecord[], reasons: readonly string[]): GatewayError {
  error.trail = { attempts: attempts.length, fallbackReasons: [...reasons], records: [...attempts] };
  return error;
}

interface NextStepInput {
  failure: UpstreamFailure;
  decision: Classification;
  deps: EngineDeps;
  policy: RetryPolicy;
  deadline: number;
  queue: readonly Candidate[];
  index: number;
  attemptsHere: number;
  retriesHere: number;
  attemptsSoFar: number;
  /** A key of this provider not yet tried by this request is usable. */
  anotherKey: boolean;
}

type NextStep = 'return' | 'context_fallback' | 'next_key' | 'failover' | 'retry';

/**
 * What to do after a failed attempt, from the classification and the limits: attempts, remaining
 * providers, healthy alternatives, the deadline and the retry budget. `note` is a fallback-reason code for
 * a decision the client should be able to see (`skip_wait`, `retry_budget`, ...).
 */
function chooseNext(input: NextStepInput): { next: NextStep; note?: string; delay?: number } {
  const { failure, decision, deps, policy } = input;
  const provider = failure.provider;
  if (decision.action === 'return' || decision.action === 'context_fallback') return { next: decision.action };
  if (decision.action === 'failover') return { next: input.anotherKey ? 'next_key' : 'failover' };
  if (input.attemptsHere >= policy.maxAttemptsPerProvider) return { next: 'failover' };
  // Never spend on retries the attempts that the remaining providers' first tries need.
  if (input.attemptsSoFar + untriedProviders(input.queue, input.index) >= policy.maxAttempts)
    return { next: 'failover' };
  if (decision.waitForProvider && hasHealthyAlternative(input.queue, input.index, deps)) {
    return { next: 'failover', note: `${provider}:skip_wait` };
  }
  const delay = backoffDelay(policy, input.retriesHere, {
    ...(decision.overload ? { overload: true } : {}),
    ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
    ...(deps.random ? { random: deps.random } : {}),
  });
  if (deps.clock.now() + delay >= input.deadline) {
    return failure.retryAfterMs === undefined
      ? { next: 'failover' }
      : { next: 'failover', note: `${provider}:wait_exceeds_deadline` };
  }
  if (!deps.budget.tryRetry(provider, policy.retryBudgetRatio, policy.retryBudgetMinimum)) {
    return { next: 'failover', note: `${provider}:retry_budget` };
  }
  return { next: 'retry', delay };
}

/** Providers later in the queue than `index` that this request has not reached yet. */
function untriedProviders(queue: readonly Candidate[], index: number): number {
  const seen = new Set(queue.slice(0, index + 1).map((candidate) => candidate.provider));
  return new Set(
    queue
      .slice(index + 1)
      .map((candidate) => candidate.provider)
      .filter((name) => !seen.has(name)),
  ).size;
}

function hasHealthyAlternative(queue: readonly Candidate[], index: number, deps: EngineDeps): boolean {
  const current = queue[index]?.provider;
  return queue.slice(index + 1).some((candidate) => {
    if (candidate.provider === current) return false;
    const state = deps.health.get(candidate.provider).state;
    return (state === 'healthy' || candidate.probe) && (deps.pools.get(candidate.provider)?.usable() ?? false);
  });
}

/**
 * Passes a committed stream on, bounded by the idle timeout. Past the commit point the gateway never switches
 * provider: a failure is recorded and re-thrown for the HTTP layer to end the stream with an error event.
 */
async function* relay<T>(
  stream: CommittedStream<T>,
  deps: EngineDeps,
  candidate: Candidate,
  attemptStart: number,
  firstByteMs: number,
): AsyncGenerator<T, void, undefined> {
  const { clock, health } = deps;
  let finished = false;
  try {
    for (const chunk of stream.buffered) yield chunk;
    for (;;) {
      const next = await stream.watch.next(stream.iterator);
      if (next.done) break;
      yield next.value;
    }
    finished = true;
    health.record({
      provider: candidate.provider,
      model: candidate.model,
      ok: true,
      firstByteMs,
      latencyMs: clock.now() - attemptStart,
      retriesExhausted: false,
      probe: candidate.probe,
      at: clock.now(),
    });
  } catch (error) {
    if (stream.clientSignal.aborted) return; // the client left
    const failure = toFailure(error, candidate.provider, stream.signal);
    const kind = failure.kind === 'network' ? 'stream_interrupted' : failure.kind;
    health.record({
      provider: candidate.provider,
      model: candidate.model,
      ok: false,
      kind,
      ...(failure.status ? { status: failure.status } : {}),
      firstByteMs,
      latencyMs: clock.now() - attemptStart,
      retriesExhausted: true,
      probe: candidate.probe,
      at: clock.now(),
    });
    deps.logger.log('warn', 'stream_failed_after_commit', {
      provider: candidate.provider,
      model: candidate.model,
      reason: reasonCode(failure),
    });
    throw failure;
  } finally {
    stream.watch.stop();
    if (!finished) {
      stream.controller.abort();
      void stream.iterator.return?.();
    }
  }
}
