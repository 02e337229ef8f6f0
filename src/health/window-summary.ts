/**
 * A window is the sum of its slots. The slots may come from several places at once (the store's merged
 * view, data flushed since, data not yet flushed): they are simply added up.
 */
import type { WindowOptions } from './health-options.ts';
import { percentileFromBuckets } from './latency-buckets.ts';
import { addCounts, emptyCounts, type SlotCounts, type SlotMap } from './slot-counts.ts';

export interface WindowSummary extends SlotCounts {
  /** The oldest slot in range that holds any request; undefined when the window is empty. */
  oldestSlot: number | undefined;
}

export interface WindowRates {
  requests: number;
  errorRate: number;
  rateLimitRate: number;
  serverErrorRate: number;
  exhaustionRate: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

/** Sums every slot in [fromSlot, toSlot] across the sources. */
export function summarizeWindow(
  sources: Iterable<SlotMap | undefined>,
  fromSlot: number,
  toSlot: number,
): WindowSummary {
  const total = emptyCounts();
  let oldestSlot: number | undefined;
  for (const slots of sources) {
    if (!slots) continue;
    for (const [slot, counts] of slots) {
      if (slot < fromSlot || slot > toSlot) continue;
      addCounts(total, counts);
      if (counts.requests > 0 && (oldestSlot === undefined || slot < oldestSlot)) oldestSlot = slot;
    }
  }
  return { ...total, oldestSlot };
}

export interface WindowPair {
  short: WindowSummary;
  long: WindowSummary;
}

/** The short and long windows ending at `now`, ignoring slots before `fromSlot`. */
export function summarizeWindows(
  sources: ReadonlyArray<SlotMap | undefined>,
  now: number,
  windows: WindowOptions,
  fromSlot = -Infinity,
): WindowPair {
  const toSlot = Math.floor(now / windows.slotMs);
  return {
    short: summarizeWindow(sources, Math.max(toSlot - windows.shortMs / windows.slotMs + 1, fromSlot), toSlot),
    long: summarizeWindow(sources, Math.max(toSlot - windows.longMs / windows.slotMs + 1, fromSlot), toSlot),
  };
}

export function windowRates(summary: SlotCounts): WindowRates {
  const n = summary.requests;
  const rate = (count: number) => (n > 0 ? count / n : 0);
  return {
    requests: n,
    errorRate: rate(summary.errors),
    rateLimitRate: rate(summary.rateLimited),
    serverErrorRate: rate(summary.serverErrors),
    exhaustionRate: rate(summary.exhausted),
    p50Ms: percentileFromBuckets(summary.latency, 0.5),
    p99Ms: percentileFromBuckets(summary.latency, 0.99),
  };
}
