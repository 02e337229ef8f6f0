/**
 * The answer for the client once an attempt served: what the HTTP layer writes (with the trail that explains
 * it), a JSON body recorded as served now, a stream when it ends — and the attempt's client-side limits
 * permit released then too.
 */
import type { Clock } from '../clock.ts';
import type { HealthMonitor } from '../health/types.ts';
import type { Limits, Permit } from '../limits/limits.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { AttemptResult } from './attempt.ts';
import { type AttemptTarget, reportAttempt } from './attempt-outcome.ts';
import { relay } from './relay.ts';
import type { RequestTrail } from './request-trail.ts';
import type { Served, ServedBase } from './served.ts';

export interface ServingRun {
  deps: { clock: Clock; health: HealthMonitor; logger: Logger; limits: Limits };
  trail: RequestTrail;
  started: number;
  queueMs: number;
}

export interface ServingAttempt {
  target: AttemptTarget;
  key: string;
  attemptStart: number;
  permit: Permit;
}

export function serveAnswer(
  run: ServingRun,
  attempt: ServingAttempt,
  result: Exclude<AttemptResult, { type: 'failure' }>,
): Served {
  const { clock, health, logger, limits } = run.deps;
  const { target, key, attemptStart, permit } = attempt;
  const latencyMs = clock.now() - attemptStart;
  run.trail.served(target, key, latencyMs);
  const base: ServedBase = {
    provider: target.provider,
    model: target.model,
    key,
    attempts: run.trail.attempts,
    fallbackReasons: run.trail.reasons,
    warnings: result.warnings,
    firstByteMs: clock.now() - run.started,
    queueMs: Math.round(run.queueMs),
  };
  const streamed = {
    clock,
    health,
    logger,
    target,
    attemptStart,
    firstByteMs: result.firstByteMs,
    onEnd: () => limits.release(permit),
  };
  switch (result.type) {
    case 'json':
      reportAttempt(health, target, { firstByteMs: result.firstByteMs, latencyMs, at: clock.now() });
      return result.raw === undefined
        ? { ...base, type: 'json', body: result.body }
        : { ...base, type: 'json', body: result.body, raw: result.raw };
    case 'stream':
      return { ...base, type: 'stream', chunks: relay(result.stream, streamed) };
    case 'sse':
      return { ...base, type: 'sse', batches: relay(result.stream, streamed) };
  }
}
