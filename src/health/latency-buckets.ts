/**
 * Fixed latency buckets, so a percentile can be computed from counts merged across slots and instances.
 *
 * Roughly log-scale (each bound 1.15–2.5× the previous) with round bounds, and every default threshold
 * (30 s) is a bound: "P99 above 30 s" then depends only on counts, never on interpolation. The last bucket
 * is open-ended. Changing this list changes the meaning of stored bucket indexes: bump the key prefix.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  10, 25, 50, 100, 175, 250, 375, 500, 750, 1_000, 1_500, 2_000, 3_000, 4_000, 5_000, 6_500, 8_000, 10_000, 12_500,
  15_000, 20_000, 25_000, 30_000, 35_000, 40_000, 50_000, 60_000, 90_000, 120_000, 180_000, 300_000, 600_000,
];

/** Number of buckets: one per bound plus the open-ended overflow bucket. */
export const LATENCY_BUCKET_COUNT = LATENCY_BOUNDS_MS.length + 1;

/** The bucket a latency falls in: the first whose upper bound is >= ms. */
export function latencyBucket(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((LATENCY_BOUNDS_MS[mid] ?? Infinity) >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The q-quantile (0 < q <= 1) of a bucketed distribution, interpolated linearly inside its bucket; undefined
 * when there are no samples. A value in the overflow bucket is reported as the last bound (a floor).
 */
export function percentileFromBuckets(counts: readonly number[], q: number): number | undefined {
  let total = 0;
  for (const c of counts) total += c;
  if (total <= 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let before = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    if (count > 0 && before + count >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] ?? 0);
      const upper = LATENCY_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return lower + ((upper - lower) * (rank - before)) / count;
    }
    before += count;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}
