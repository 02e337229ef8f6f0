/**
 * The retry-and-failover loop: candidates from the plan, keys from the pools, attempts until one serves or
 * the policy (attempts, per-provider attempts, retry budget, deadline) says stop.
 *
 * Three parts, each in one place: `decideNext` decides what follows a failure (pure, from `classify()` and
 * facts gathered here); this file acts on it — picks the key, spends the retry budget, sleeps, marks keys —
 * where the attempt is made; `attempt-outcome.ts` builds the Outcome every attempt reports to health.
 * Client-side budgets come in through `budget-admission.ts`: a key is taken with a permit, a target without
 * budget is skipped, and when every target was skipped or failed the request waits in the queue.
 */

import type { GatewayError } from '../gateway-error.ts';
import type { KeyPool, PooledKey } from '../limits/key-pool.ts';
import { type AttemptResult, runAttempt } from './attempt.ts';
import { ClientGone } from './attempt-errors.ts';
import { reportAttempt } from './attempt-outcome.ts';
import {
  type AdmissionRun,
  type Admitted,
  admitForCandidate,
  type LimitedTarget,
  limitedError,
  tokenCharge,
  waitForBudget,
  withPermit,
} from './budget-admission.ts';
import { CandidateQueue } from './candidate-queue.ts';
import { classify } from './classify.ts';
import { contextFailure, contextOverflow } from './context-preflight.ts';
import { decideNext, type NextStep } from './decide-next.ts';
import { clientError, finalError, noProviderError } from './final-error.ts';
import { type Candidate, type Plan, planRequest } from './plan.ts';
import { RequestTrail } from './request-trail.ts';
import { serveAnswer } from './serve-answer.ts';
import type { EngineDeps, ExecuteInput, Served } from './served.ts';

export type { AttemptRecord } from './request-trail.ts';
export type { EngineDeps, ExecuteInput, Served, ServedBase } from './served.ts';

/** One request on its way through the plan. */
interface RequestRun extends AdmissionRun {
  deps: EngineDeps;
  input: ExecuteInput;
  plan: Plan;
  started: number;
  queue: CandidateQueue;
  trail: RequestTrail;
  deadlineHit: boolean;
  /** A key admitted from the wait queue, for the turn the request resumes with. */
  admitted?: Admitted;
}

/** The attempts one request makes at one candidate. */
interface Turn {
  index: number;
  candidate: Candidate;
  pool: KeyPool;
  /** Keys that refused this request (bad or exhausted): not asked again by it. */
  triedKeys: Set<string>;
  attempts: number;
  retries: number;
  /** The request's tokens for this candidate's provider, counted once if a token budget asks. */
  tokens: () => number;
}

type TurnEnd = { type: 'served'; served: Served } | { type: 'next' } | { type: 'stop' };
type Failed = Extract<AttemptResult, { type: 'failure' }>;

export async function execute(deps: EngineDeps, input: ExecuteInput): Promise<Served> {
  const { config, pools, health, clock } = deps;
  const model = input.request.model;
  const plan = planRequest(model, config, health, (name) => pools.get(name)?.defaultModel ?? '');
  const started = clock.now();
  const run: RequestRun = {
    deps,
    input,
    plan,
    started,
    deadline: started + Math.min(plan.policy.deadlineMs, input.deadlineMs ?? Number.POSITIVE_INFINITY),
    queue: new CandidateQueue(plan.candidates, pools),
    trail: new RequestTrail(),
    deadlineHit: false,
    limits: deps.limits,
    clock,
    signal: input.signal,
    queueMs: 0,
    limited: [],
  };
  if (run.queue.length === 0) throw noProviderError(model);

  for (let index = 0; index < run.queue.length; index++) {
    const end = await takeTurn(run, index);
    if (end.type === 'served') return end.served;
    if (end.type === 'stop') break;
    // Every target tried, some skipped for their budget: wait for the first to free (or 429), go on from it.
    if (index === run.queue.length - 1 && run.limited.length > 0) {
      const resumed = await waitForBudget(run, run.trail);
      run.admitted = resumed;
      index = resumed.index - 1;
      run.limited = [];
    }
  }
  throw gaveUp(run);
}

/** Attempts at one candidate until it serves, the decision moves on, or the request's limits stop it. */
async function takeTurn(run: RequestRun, index: number): Promise<TurnEnd> {
  const { deps } = run;
  const { policy } = run.plan;
  const candidate = run.queue.at(index)!;
  const tokens = await tokenCharge(deps, run.input.request, candidate);
  const turn: Turn = {
    index,
    candidate,
    pool: deps.pools.get(candidate.provider)!,
    triedKeys: new Set(),
    attempts: 0,
    retries: 0,
    tokens,
  };
  deps.budget.recordRequest(candidate.provider);

  for (;;) {
    if (run.trail.attempts.length >= policy.maxAttempts) return { type: 'stop' };
    if (deps.clock.now() >= run.deadline) {
      run.deadlineHit = true;
      return { type: 'stop' };
    }
    const admitted = await nextKey(run, turn);
    if (admitted === 'limited') {
      run.trail.note(`${candidate.provider}:local_rate_limit`);
      return { type: 'next' };
    }
    if (admitted === 'none') {
      if (turn.attempts === 0) run.trail.note(`${candidate.provider}:no_usable_key`);
      return { type: 'next' };
    }
    const { key, permit } = admitted;
    turn.attempts++;
    const attemptStart = deps.clock.now();
    // The context check, before the first attempt here: a refusal is a preflight failure (its charge refunded).
    const overflow = turn.attempts === 1 ? await contextOverflow(deps.config, run.input.request, candidate) : undefined;
    const result = await withPermit(deps.limits, permit, async () =>
      overflow
        ? { type: 'failure', failure: contextFailure(candidate.provider, overflow) }
        : runAttempt({
            provider: key.provider,
            model: candidate.model,
            request: run.input.request,
            clientStream: run.input.clientStream,
            includeUsage: run.input.includeUsage,
            includeReasoning: run.input.includeReasoning ?? run.plan.route?.includeReasoning ?? false,
            clientSignal: run.input.signal,
            deadline: run.deadline,
            policy,
            clock: deps.clock,
          }),
    );
    if (result.type !== 'failure')
      return {
        type: 'served',
        served: serveAnswer(run, { target: candidate, key: key.id, attemptStart, permit }, result),
      };

    const step = afterFailure(run, turn, key, result, attemptStart);
    switch (step.type) {
      case 'return':
        throw run.trail.attachTo(clientError(result.failure));
      case 'context_fallback': {
        const name = run.plan.route?.contextFallback;
        const fallback = name ? deps.config.routes.get(name) : undefined;
        if (!fallback || !run.queue.switchToContextFallback(index, fallback)) {
          throw run.trail.attachTo(clientError(result.failure));
        }
        run.trail.note(`context_fallback:${fallback.name}`);
        return { type: 'next' };
      }
      case 'next_key':
        continue;
      case 'failover':
        return { type: 'next' };
      case 'retry':
        if (!(await retryHere(run, turn, step.delayMs))) return { type: 'next' };
    }
  }
}

/**
 * Which key the next attempt at this candidate uses: the pool's next usable key that has not refused this
 * request and has budget (its permit taken), one the wait queue admitted, or why there is none. While start-up
 * key checks run (Node's first moment), a key under check is waited for, not guessed at.
 */
async function nextKey(run: RequestRun, turn: Turn): Promise<Admitted | 'none' | 'limited'> {
  if (run.admitted) {
    const admitted = run.admitted;
    run.admitted = undefined;
    return admitted;
  }
  const { candidate, pool, index, tokens } = turn;
  if (pool.checking) await pool.nextChecked(turn.triedKeys);
  const target: Omit<LimitedTarget, 'waitMs' | 'keys'> = { index, pool, model: candidate.model, tokens };
  const preferred = index === 0 && run.trail.attempts.length === 0;
  return admitForCandidate(run, target, turn.triedKeys, preferred);
}

/** Records a failed attempt (trail, key state, health, log) and decides what comes next. */
function afterFailure(run: RequestRun, turn: Turn, key: PooledKey, result: Failed, attemptStart: number): NextStep {
  const { clock, health, budget, logger } = run.deps;
  const { policy } = run.plan;
  const { candidate, pool } = turn;
  const { failure } = result;
  const ms = clock.now() - attemptStart;
  const reason = run.trail.failed(candidate, key.id, failure, ms);
  const classification = classify(failure);
  if (classification.key) {
    pool.mark(key.id, classification.key, failure.retryAfterMs);
    turn.triedKeys.add(key.id);
    logger.log('warn', classification.key === 'bad' ? 'key_rejected' : 'key_quota_exhausted', {
      alert: true,
      provider: candidate.provider,
      key: key.id,
      status: failure.status,
      code: failure.code,
    });
  }
  const step = decideNext(
    {
      failure,
      classification,
      attemptsHere: turn.attempts,
      retriesHere: turn.retries,
      spareAttempts: policy.maxAttempts - run.trail.attempts.length - run.queue.untriedProvidersAfter(turn.index),
      // `next` moves the pool's rotation on, as asking it always has.
      anotherKey: classification.key !== undefined && pool.usable(turn.triedKeys),
      healthyAlternative: run.queue.healthyAlternativeAfter(turn.index, health),
      retryBudgetLeft: budget.allowsRetry(candidate.provider, policy.retryBudgetRatio, policy.retryBudgetMinimum),
      untilDeadlineMs: run.deadline - clock.now(),
    },
    policy,
    run.deps.random,
  );
  if (step.type === 'failover' && step.note) run.trail.note(step.note);
  reportAttempt(health, candidate, {
    failure,
    firstByteMs: result.firstByteMs,
    latencyMs: ms,
    retriesExhausted: step.type === 'failover' && step.gaveUp,
    at: clock.now(),
  });
  logger.log('info', 'attempt_failed', {
    provider: candidate.provider,
    model: candidate.model,
    key: key.id,
    reason,
    decision: step.type,
    ms,
  });
  return step;
}

/** Spends a retry from the budget and waits out its backoff. False when health moved traffic away meanwhile. */
async function retryHere(run: RequestRun, turn: Turn, delayMs: number): Promise<boolean> {
  const { clock, health, budget } = run.deps;
  const { provider, probe } = turn.candidate;
  turn.retries++;
  budget.spendRetry(provider);
  try {
    await clock.sleep(delayMs, run.input.signal);
  } catch {
    throw new ClientGone();
  }
  // Health may have moved traffic away while we waited: do not retry into a tripped provider.
  if (!probe && health.get(provider).state !== 'healthy' && run.queue.healthyAlternativeAfter(turn.index, health)) {
    run.trail.note(`${provider}:unhealthy`);
    return false;
  }
  return true;
}

/** Nothing served: the final error, logged, with the trail. */
function gaveUp(run: RequestRun): GatewayError {
  const { clock, logger } = run.deps;
  const model = run.input.request.model;
  const { attempts, failures, reasons } = run.trail;
  // Nothing was sent because of budgets alone (the deadline came first): say when budget frees.
  if (failures.length === 0 && run.limited.length > 0) return run.trail.attachTo(limitedError(run));
  const error = finalError(failures, {
    model,
    attempts: attempts.length,
    elapsedMs: clock.now() - run.started,
    deadlineHit: run.deadlineHit,
  });
  logger.log('warn', 'request_failed', {
    model,
    attempts: attempts.length,
    reasons,
    status: error.status,
    code: error.code,
  });
  return run.trail.attachTo(error);
}
