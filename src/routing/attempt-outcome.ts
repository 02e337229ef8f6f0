/**
 * The one place an attempt becomes the Outcome routing reports to health (and, through it, to telemetry).
 */
import type { UpstreamFailure } from '../../providers/upstream-failure.ts';
import type { HealthMonitor, Outcome } from '../health/types.ts';
import { classify } from './classify.ts';

export interface AttemptTarget {
  provider: string;
  model: string;
  /** Sent as a probe of a recovering provider. */
  probe: boolean;
}

export interface AttemptReport {
  /** Absent when the attempt served. */
  failure?: UpstreamFailure;
  /** Time to first byte/token, when the attempt got that far. */
  firstByteMs?: number | undefined;
  latencyMs: number;
  /** The gateway gave up on this provider for the request after this failure. */
  retriesExhausted?: boolean;
  /** The failure broke a stream past its commit point, where a lost connection is an interrupted stream. */
  afterCommit?: boolean;
  at: number;
}

/**
 * The Outcome of one attempt, or undefined when it must not be recorded: a failure raised before any network
 * call (`preflight`) or one the classification says nobody is at fault for says nothing about the provider.
 */
export function attemptOutcome(target: AttemptTarget, report: AttemptReport): Outcome | undefined {
  const common = {
    provider: target.provider,
    model: target.model,
    ...(report.firstByteMs === undefined ? {} : { firstByteMs: report.firstByteMs }),
    latencyMs: report.latencyMs,
    probe: target.probe,
    at: report.at,
  };
  const { failure } = report;
  if (!failure) return { ...common, ok: true, retriesExhausted: false };
  const { fault } = classify(failure);
  if (failure.preflight || fault === 'none') return undefined;
  return {
    ...common,
    ok: false,
    kind: report.afterCommit && failure.kind === 'network' ? 'stream_interrupted' : failure.kind,
    fault,
    ...(failure.status ? { status: failure.status } : {}),
    retriesExhausted: report.retriesExhausted ?? false,
  };
}

/** Tells health how the attempt went, unless it must not be recorded. */
export function reportAttempt(
  health: Pick<HealthMonitor, 'record'>,
  target: AttemptTarget,
  report: AttemptReport,
): void {
  const outcome = attemptOutcome(target, report);
  if (outcome) health.record(outcome);
}
