/**
 * One background cycle: flush the locally aggregated counts and (when due) read back the merged windows
 * and records in one store round trip, reconcile the records, then evaluate thresholds and move states,
 * and recompute scores. A failed store call puts the monitor in degraded mode; the cycle still evaluates
 * on what it has (the last merged view plus everything not yet flushed).
 *
 * With a store that decides transitions (the Durable Object), the batch carries the evidence too, and the
 * monitor only follows: it adopts the records the store answers with and evaluates nothing itself — except
 * while the store is unreachable, when it stands in on local state until the next read.
 */
import type { Clock } from '../clock.ts';
import type { CycleSchedule } from './cycle-schedule.ts';
import type { HealthStore } from './health-store.ts';
import type { ProviderEvidence } from './provider-evidence.ts';
import type { ProviderScores } from './provider-scores.ts';
import type { SeriesBuffer } from './series-buffer.ts';
import type { SharedRecords } from './shared-records.ts';
import type { StoreStatus } from './store-status.ts';
import { type DriverParts, driveTransitions, settleEvidence } from './transition-driver.ts';

export interface CycleParts {
  clock: Clock;
  store: HealthStore;
  buffer: SeriesBuffer;
  records: SharedRecords;
  status: StoreStatus;
  schedule: CycleSchedule;
  driver: DriverParts & { evidence: ProviderEvidence };
  scores: ProviderScores;
  /** Every provider this instance knows of (records, series, evidence). */
  providers(): Set<string>;
  /** How long the store keeps window data, ms. */
  ttlMs: number;
}

/** `read`: also read back; `forceModels`: include the model series even if they are not due. */
export async function runCycle(parts: CycleParts, read: boolean, forceModels: boolean): Promise<void> {
  const { clock, store, buffer, status, schedule } = parts;
  const now = clock.now();
  schedule.started(now, read);
  const toSlot = buffer.slotOf(now);
  const fromSlot = buffer.firstSlot(now);
  buffer.prune(fromSlot);
  const sending = buffer.take();

  if (read || sending) {
    const readModels = read && (forceModels || schedule.modelsDue(now));
    try {
      const syncStarted = performance.now();
      const result = await store.sync({
        batch: sending?.data ?? new Map(),
        writer: { id: buffer.writerId, seq: sending?.seq ?? 0 },
        now,
        fromSlot,
        toSlot,
        ttlMs: parts.ttlMs,
        read,
        readModels,
        ...(sending?.evidence ? { evidence: sending.evidence } : {}),
      });
      // Wall time (not the injected clock): what an operator graphs as the store's latency.
      const syncMs = performance.now() - syncStarted;
      const series = read ? result.series : undefined;
      buffer.acknowledge(sending, series, readModels);
      if (series && readModels) schedule.modelsRead(now);
      status.synced(syncMs);
      if (read && result.records) await parts.records.reconcile(result.records);
      // The deciding store has this instance's probes (they went with the batch).
      if (store.decides) parts.driver.evidence.clearAllProbes();
    } catch (err) {
      status.failed(err);
    }
  }
  buffer.forgetIdle();
  if (!store.decides || status.degraded) {
    await driveTransitions(parts.driver, parts.providers(), clock.now());
  } else {
    // The store decided; only drop evidence the states it answered with make moot.
    for (const provider of parts.providers()) {
      settleEvidence(parts.driver, provider, parts.records.entry(provider).record.state);
    }
  }
  updateScores(parts, clock.now());
}

export function updateScores(parts: Pick<CycleParts, 'scores' | 'providers' | 'driver'>, now: number): void {
  parts.scores.update(parts.providers(), (provider) => parts.driver.windowsOf(provider, now));
}
