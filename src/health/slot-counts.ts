/**
 * The unit of every window: counters for one series (a provider, or a provider + model) during one time
 * slot. Counters only ever add up, so slots from many instances merge by summing (HINCRBY in Redis).
 */
import type { OutcomeSignals } from './classify-outcome.ts';
import { LATENCY_BUCKET_COUNT, latencyBucket } from './latency-buckets.ts';

export interface SlotCounts {
  requests: number;
  /** Provider-fault failures. */
  errors: number;
  /** Client-fault failures (counted as requests, not as errors). */
  clientErrors: number;
  rateLimited: number;
  serverErrors: number;
  exhausted: number;
  /** Count per latency bucket (LATENCY_BOUNDS_MS), length LATENCY_BUCKET_COUNT. */
  latency: number[];
}

/** Slot index → counts. */
export type SlotMap = Map<number, SlotCounts>;
/** Series id → slots. */
export type SeriesSlots = Map<string, SlotMap>;

export function emptyCounts(): SlotCounts {
  return {
    requests: 0,
    errors: 0,
    clientErrors: 0,
    rateLimited: 0,
    serverErrors: 0,
    exhausted: 0,
    latency: new Array<number>(LATENCY_BUCKET_COUNT).fill(0),
  };
}

export function addSignals(counts: SlotCounts, signals: OutcomeSignals): void {
  counts.requests += 1;
  if (signals.class === 'provider_fault') counts.errors += 1;
  else if (signals.class === 'client_fault') counts.clientErrors += 1;
  if (signals.rateLimited) counts.rateLimited += 1;
  if (signals.serverError) counts.serverErrors += 1;
  if (signals.exhausted) counts.exhausted += 1;
  if (signals.latencyMs !== undefined) {
    const bucket = latencyBucket(signals.latencyMs);
    counts.latency[bucket] = (counts.latency[bucket] ?? 0) + 1;
  }
}

export function addCounts(into: SlotCounts, from: SlotCounts): void {
  into.requests += from.requests;
  into.errors += from.errors;
  into.clientErrors += from.clientErrors;
  into.rateLimited += from.rateLimited;
  into.serverErrors += from.serverErrors;
  into.exhausted += from.exhausted;
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i++) {
    const add = from.latency[i] ?? 0;
    if (add !== 0) into.latency[i] = (into.latency[i] ?? 0) + add;
  }
}

export function cloneCounts(counts: SlotCounts): SlotCounts {
  const copy = emptyCounts();
  addCounts(copy, counts);
  return copy;
}

/** Adds every slot of `from` into `into` (series by series, slot by slot). */
export function mergeSeries(into: SeriesSlots, from: SeriesSlots): void {
  for (const [series, slots] of from) {
    let target = into.get(series);
    if (!target) {
      target = new Map();
      into.set(series, target);
    }
    for (const [slot, counts] of slots) {
      const existing = target.get(slot);
      if (existing) addCounts(existing, counts);
      else target.set(slot, cloneCounts(counts));
    }
  }
}

/** Drops slots older than `fromSlot`; returns how many series remain. */
export function pruneSeries(series: SeriesSlots, fromSlot: number): number {
  for (const [id, slots] of series) {
    for (const slot of slots.keys()) if (slot < fromSlot) slots.delete(slot);
    if (slots.size === 0) series.delete(id);
  }
  return series.size;
}

/**
 * Compact field names used by stores that keep counters as hash fields (Redis): short because they are
 * repeated for every slot, stable because several gateway versions may share one Redis.
 */
const FIELD_OF = {
  requests: 'n',
  errors: 'e',
  clientErrors: 'c',
  rateLimited: 'r',
  serverErrors: 's',
  exhausted: 'x',
} as const satisfies Record<Exclude<keyof SlotCounts, 'latency'>, string>;

/** The non-zero counters as [field, value] pairs (latency bucket i is field `l<i>`). */
export function countsToFields(counts: SlotCounts): Array<[string, number]> {
  const fields: Array<[string, number]> = [];
  for (const [name, field] of Object.entries(FIELD_OF) as Array<[keyof typeof FIELD_OF, string]>) {
    if (counts[name] !== 0) fields.push([field, counts[name]]);
  }
  counts.latency.forEach((value, i) => {
    if (value !== 0) fields.push([`l${i}`, value]);
  });
  return fields;
}

/** Adds one stored field into counts; unknown fields (a newer gateway's) are ignored. */
export function addField(counts: SlotCounts, field: string, value: number): void {
  if (!Number.isFinite(value)) return;
  switch (field) {
    case 'n':
      counts.requests += value;
      return;
    case 'e':
      counts.errors += value;
      return;
    case 'c':
      counts.clientErrors += value;
      return;
    case 'r':
      counts.rateLimited += value;
      return;
    case 's':
      counts.serverErrors += value;
      return;
    case 'x':
      counts.exhausted += value;
      return;
  }
  if (field.startsWith('l')) {
    const bucket = Number(field.slice(1));
    if (Number.isInteger(bucket) && bucket >= 0 && bucket < LATENCY_BUCKET_COUNT) {
      counts.latency[bucket] = (counts.latency[bucket] ?? 0) + value;
    }
  }
}
