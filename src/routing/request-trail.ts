/**
 * What one request's attempts leave behind: a record per attempt, the failures (for the final error) and the
 * fallback reasons the client sees in `x-switchyard-fallback-reason`.
 */
import type { UpstreamFailure } from '../../providers/upstream-failure.ts';
import type { GatewayError } from '../gateway-error.ts';
import { reasonCode } from './classify.ts';

export interface AttemptRecord {
  provider: string;
  model: string;
  key: string;
  ok: boolean;
  reason?: string;
  ms: number;
}

export class RequestTrail {
  readonly attempts: AttemptRecord[] = [];
  readonly failures: UpstreamFailure[] = [];
  readonly reasons: string[] = [];

  served(target: { provider: string; model: string }, key: string, ms: number): void {
    this.attempts.push({ provider: target.provider, model: target.model, key, ok: true, ms });
  }

  /** Records a failed attempt; returns its reason code. */
  failed(target: { provider: string; model: string }, key: string, failure: UpstreamFailure, ms: number): string {
    const reason = reasonCode(failure);
    this.failures.push(failure);
    this.reasons.push(reason);
    this.attempts.push({ provider: target.provider, model: target.model, key, ok: false, reason, ms });
    return reason;
  }

  /** A decision the client should be able to see (`openai:skip_wait`, `context_fallback:<route>`, ...). */
  note(reason: string): void {
    this.reasons.push(reason);
  }

  /** The error the request ends with, carrying the trail for the explaining headers and telemetry. */
  attachTo(error: GatewayError): GatewayError {
    error.trail = { attempts: this.attempts.length, fallbackReasons: [...this.reasons], records: [...this.attempts] };
    return error;
  }
}
