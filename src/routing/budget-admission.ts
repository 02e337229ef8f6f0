/**
 * Where routing meets the client-side limits (README "Rate limits and queueing"). For each candidate the
 * request takes a key that has budget, with its permit; a candidate whose keys are all out of budget is
 * skipped (`openai:local_rate_limit`) for the next target with budget and health. Two waits:
 *
 * - **the preferred target**: the request's first choice, on its first try, waits for its budget when that
 *   frees within `queue.preferredWaitMs` (250 ms by default): a short wait beats an answer from another
 *   model. A longer or unknown wait (a concurrency bound) spills over at once;
 * - **the queue**: when no target had budget, the request waits for the first to free, up to
 *   `queue.maxWaitMs` in all and never past its deadline, or gets 429 at once when the known wait is longer,
 *   or the queue is full.
 *
 * A permit is released when the attempt ends: a JSON answer once read, a stream when it ends.
 */

import type { ChatRequest } from '../../providers/types.ts';
import type { Clock } from '../clock.ts';
import type { GatewayError } from '../gateway-error.ts';
import type { KeyPool, PooledKey } from '../limits/key-pool.ts';
import type { Limits, Permit } from '../limits/limits.ts';
import { admitKey, tokensOnce } from './admit-key.ts';
import type { AttemptResult } from './attempt.ts';
import { ClientGone } from './attempt-errors.ts';
import { type LocalLimitCause, localLimitError } from './local-limit-error.ts';

/**
 * What the request costs this target's token budgets, asked for only if one applies: counted exactly (the
 * tokenizer may load on first use) when a TPM budget is configured, else a quick upper bound for the
 * remainder a provider stated. Counted once per target.
 */
export async function tokenCharge(
  deps: {
    limits: Limits;
    countTokens: (request: ChatRequest, provider: string, model: string) => number | Promise<number>;
    estimateTokens: (request: ChatRequest, provider: string, model: string) => number;
  },
  request: ChatRequest,
  target: { provider: string; model: string },
): Promise<() => number> {
  const { provider, model } = target;
  const exact = deps.limits.countsTokens(provider, model)
    ? await deps.countTokens(request, provider, model)
    : undefined;
  return tokensOnce(() => exact ?? deps.estimateTokens(request, provider, model));
}

/** A candidate skipped because every usable key was out of budget. */
export interface LimitedTarget {
  index: number;
  pool: KeyPool;
  model: string;
  tokens: () => number;
  waitMs: number;
  keys: string[];
}

export interface Admitted {
  key: PooledKey;
  permit: Permit;
}

/** What the admission needs of the request being routed. */
export interface AdmissionRun {
  limits: Limits;
  clock: Clock;
  signal: AbortSignal;
  deadline: number;
  /** Time spent waiting for budget so far (x-switchyard-queue-ms). */
  queueMs: number;
  limited: LimitedTarget[];
}

/**
 * A key with budget for this candidate, or why not: `none` (no usable key at all) or `limited` (recorded in
 * `run.limited`). `preferred`: the request's first choice on its first try, which may wait briefly.
 */
export async function admitForCandidate(
  run: AdmissionRun,
  target: Omit<LimitedTarget, 'waitMs' | 'keys'>,
  exclude: ReadonlySet<string>,
  preferred: boolean,
): Promise<Admitted | 'none' | 'limited'> {
  const choice = admitKey(target.pool, exclude, run.limits, target.model, target.tokens);
  if (choice.type === 'key') return { key: choice.key, permit: choice.permit };
  if (choice.type === 'none') return 'none';
  const { limits, clock } = run;
  const untilDeadline = run.deadline - clock.now();
  const bound = Math.min(limits.settings.preferredWaitMs, limits.settings.maxWaitMs - run.queueMs, untilDeadline);
  if (preferred && choice.waitMs <= bound && !limits.queue.full) {
    const admitted = await queued(run, [{ ...target, waitMs: choice.waitMs, keys: choice.keys }], choice.waitMs, bound);
    if (admitted) return admitted;
  }
  run.limited.push({ ...target, waitMs: choice.waitMs, keys: choice.keys });
  return 'limited';
}

/**
 * Every target of the request was out of budget (or failed): wait in the queue for the first limited one
 * to free. Resolves with it, or throws the 429 that says when to come back.
 */
export async function waitForBudget(
  run: AdmissionRun,
  trail: { attachTo(error: GatewayError): GatewayError },
): Promise<Admitted & { index: number }> {
  try {
    return await queueForBudget(run);
  } catch (error) {
    throw error instanceof ClientGone ? error : trail.attachTo(error as GatewayError);
  }
}

async function queueForBudget(run: AdmissionRun): Promise<Admitted & { index: number }> {
  const { limits, clock } = run;
  const limited = run.limited;
  const waitMs = Math.min(...limited.map((target) => target.waitMs));
  const allowed = Math.min(limits.settings.maxWaitMs - run.queueMs, run.deadline - clock.now());
  if (limits.queue.full) throw refusal(run, waitMs, 'queue_full');
  if (allowed <= 0 || (Number.isFinite(waitMs) && waitMs > allowed)) throw refusal(run, waitMs, 'wait_exceeds_bound');
  const admitted = await queued(run, limited, waitMs, allowed);
  if (!admitted) throw refusal(run, soonest(run), 'queue_timeout');
  return admitted;
}

/**
 * Runs one attempt under its permit: released if the attempt throws (the client left) or fails, or once a
 * JSON answer is read; a stream keeps it until it ends. What the provider said is learned.
 */
export async function withPermit(
  limits: Limits,
  permit: Permit,
  attempt: () => Promise<AttemptResult>,
): Promise<AttemptResult> {
  let result: AttemptResult;
  try {
    result = await attempt();
  } catch (error) {
    limits.release(permit);
    throw error;
  }
  settleAttempt(limits, permit, result);
  return result;
}

function settleAttempt(limits: Limits, permit: Permit, result: AttemptResult): void {
  if (result.type === 'failure') {
    const { failure } = result;
    if (failure.preflight) limits.refund(permit);
    else if (failure.kind === 'rate_limit' && failure.retryAfterMs !== undefined)
      limits.learnRateLimit(permit, failure.retryAfterMs);
    limits.release(permit);
    return;
  }
  if (result.rateLimit) limits.learnAnswer(permit, result.rateLimit);
  if (result.type === 'json') limits.release(permit);
}

async function queued(
  run: AdmissionRun,
  targets: readonly LimitedTarget[],
  firstWaitMs: number,
  boundMs: number,
): Promise<(Admitted & { index: number }) | undefined> {
  const { limits, clock } = run;
  const none = new Set<string>();
  const attempt = () => {
    let waitMs = Number.POSITIVE_INFINITY;
    for (const target of targets) {
      const choice = admitKey(target.pool, none, limits, target.model, target.tokens);
      if (choice.type === 'key') return { value: { index: target.index, key: choice.key, permit: choice.permit } };
      if (choice.type === 'limited') {
        target.waitMs = choice.waitMs;
        waitMs = Math.min(waitMs, choice.waitMs);
      }
    }
    return { waitMs };
  };
  const entered = clock.now();
  const keys = targets.flatMap((target) => target.keys);
  try {
    return await limits.queue.wait(attempt, { firstWaitMs, until: entered + boundMs, signal: run.signal, keys });
  } catch {
    throw new ClientGone();
  } finally {
    run.queueMs += clock.now() - entered;
  }
}

/** The 429 for a request that gave up with only budgets in its way. */
export function limitedError(run: AdmissionRun): GatewayError {
  return refusal(run, soonest(run), 'wait_exceeds_bound');
}

function soonest(run: AdmissionRun): number {
  return Math.min(...run.limited.map((target) => target.waitMs));
}

function refusal(run: AdmissionRun, waitMs: number, cause: LocalLimitCause): GatewayError {
  const error = localLimitError(
    waitMs,
    cause,
    run.limited.map((target) => target.pool.provider),
  );
  if (run.queueMs > 0) error.headers['x-switchyard-queue-ms'] = String(Math.round(run.queueMs));
  return error;
}
