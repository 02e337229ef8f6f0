/**
 * Health decided where the data is: inside the Durable Object every isolate syncs with. Windows,
 * thresholds and state transitions are computed here, on the merged windows and on the evidence the
 * isolates' batches carry (failures in a row and probe outcomes, folded in arrival order), so every isolate
 * in every location sees one state and every transition alerts once, from here. Isolates only follow: they
 * adopt the records this answers with (and stand in on local state only while the object is unreachable).
 *
 * A batch that brings anything is evaluated at once, so the isolate that sent it reads back the state it
 * led to in the same round trip; time-driven transitions (a cool-down ending, a provider whose isolates went
 * quiet) run on the object's alarm. The object runs one call at a time and its store works in memory, so
 * an evaluation never interleaves with another call and compare-and-set never loses here.
 */
import { systemClock } from '../clock.ts';
import { createLogger } from '../telemetry/logger.ts';
import { alerterFrom, healthLogWriter } from './alerts.ts';
import type { SqlHealthStore } from './durable-sql-store.ts';
import { resolveProbe, resolveThresholds, resolveWindows } from './health-options.ts';
import { initialRecord } from './health-record.ts';
import type { SyncRequest, SyncResult } from './health-store.ts';
import type { HealthMonitorOptions } from './monitor-options.ts';
import { ProbeGate } from './probe-gate.ts';
import { ProviderEvidence } from './provider-evidence.ts';
import { parseSeriesId, providerSeriesId } from './series-id.ts';
import { type DriverParts, driveTransitions } from './transition-driver.ts';
import { summarizeWindows } from './window-summary.ts';

/** The monitor options that matter where transitions are decided (thresholds, windows, probe, alerts). */
export type AuthorityOptions = Omit<
  HealthMonitorOptions,
  'store' | 'flushIntervalMs' | 'refreshIntervalMs' | 'modelRefreshMs' | 'backgroundTimers' | 'driveOnRequests'
>;

export interface HealthAuthority {
  /** An isolate's sync: apply its batch, fold in its evidence, evaluate if it brought anything, answer. */
  sync(request: SyncRequest): Promise<SyncResult>;
  /** Evaluates every provider now (the alarm); resolves when the alerts it raised are delivered. */
  evaluate(): Promise<void>;
}

export function createHealthAuthority(store: SqlHealthStore, options: AuthorityOptions = {}): HealthAuthority {
  const clock = options.clock ?? systemClock;
  const windows = resolveWindows(options.windows);
  const probe = resolveProbe(options.probe);
  const startedAt = clock.now();
  const alerts = alerterFrom(options, {
    logger: healthLogWriter(options.logger ?? createLogger()),
    claim: (key, ttl, now) => store.claim(key, ttl, now),
    now: () => clock.now(),
  });
  const evidence = new ProviderEvidence();
  const parts: DriverParts = {
    records: {
      entry: (provider) => ({
        record: store.recordOf(provider) ?? initialRecord(provider, startedAt, probe.cooldownMs),
      }),
      commit: async (_provider, entry, next) => (await store.compareAndSet(entry.record.version, next)).applied,
    },
    evidence,
    // The object admits no probes (isolates do); the driver only forgets in it.
    gate: new ProbeGate(probe.share),
    windowsOf: (provider, now, fromSlot) =>
      summarizeWindows([store.slotsOf(providerSeriesId(provider))], now, windows, fromSlot),
    thresholds: resolveThresholds(options.thresholds),
    windows,
    probe,
    emit: (alert) => alerts.emit(alert),
  };

  const providers = (): Set<string> => {
    const out = new Set<string>(store.providersWithRecords());
    for (const id of store.seriesIds()) {
      const name = parseSeriesId(id);
      if (name && name.model === undefined) out.add(name.provider);
    }
    for (const provider of evidence.providers()) out.add(provider);
    return out;
  };

  return {
    async sync(request) {
      const fresh = store.apply(request);
      if (fresh && request.evidence) evidence.absorb(request.evidence);
      // Alerts go out in the background: an isolate's flush does not wait for a webhook.
      if (fresh && (request.batch.size > 0 || request.evidence)) {
        await driveTransitions(parts, providers(), clock.now());
      }
      return request.read ? store.answer(request) : {};
    },

    async evaluate() {
      await driveTransitions(parts, providers(), clock.now());
      await alerts.settle();
    },
  };
}
