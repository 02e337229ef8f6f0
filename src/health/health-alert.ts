/** What a health alert says: the webhook's JSON body and the fields of its log line (alerts.ts sends it). */
import type { HealthState } from './types.ts';

export type AlertEvent = 'threshold_crossed' | 'tripped' | 'probing' | 'recovered' | 'drained' | 'restored';

/** The webhook body, also the fields of the log line. */
export interface HealthAlert {
  event: AlertEvent;
  provider: string;
  /** The signal concerned (`error_rate`, `fast_trip`, `probe_failed`, `manual`, ...), or null. */
  signal: string | null;
  value: number | null;
  threshold: number | null;
  /** `short`, `long` or `consecutive`, or null. */
  window: string | null;
  /** The provider's state after the event. */
  state: HealthState;
  at: number;
  incident: string | null;
}
