/**
 * A provider's score in [0, 1] for ranking among usable providers: the share of requests without a
 * provider fault, lowered (at most halved) as the median latency approaches the P99 threshold. Taken from
 * the short window, or the long one when the short window has too few requests to mean anything.
 */
import { percentileFromBuckets } from './latency-buckets.ts';
import type { WindowSummary } from './window-summary.ts';

const MIN_SCORE_SAMPLES = 5;

export function computeScore(short: WindowSummary, long: WindowSummary, slowMs: number): number {
  const window = short.requests >= MIN_SCORE_SAMPLES ? short : long;
  if (window.requests < MIN_SCORE_SAMPLES) return 1;
  const success = 1 - window.errors / window.requests;
  const p50 = percentileFromBuckets(window.latency, 0.5);
  const slowness = p50 === undefined || slowMs <= 0 ? 0 : Math.min(1, p50 / slowMs);
  const score = success * (1 - 0.5 * slowness);
  return Math.round(Math.max(0, Math.min(1, score)) * 1000) / 1000;
}
