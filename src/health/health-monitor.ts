/**
 * The health monitor: turns outcomes into windows, windows into states, and keeps every gateway instance
 * in step through a shared store — without ever making a request wait on that store.
 *
 * Hot path (`record`, `get`, `admitProbe`): synchronous, in-process units only. Background cycle (timer,
 * requests, or `tick()` in tests; health-cycle.ts): flush the locally aggregated counts and read back the
 * merged windows and states in one store round trip, evaluate thresholds on the merged windows, and move
 * states with compare-and-set so two instances never transition one provider differently. If the store
 * fails, the cycle keeps evaluating on what it has, transitions are kept locally and pushed when the store
 * is back, and `storeStatus()` says degraded.
 *
 * This file is the wiring and the public methods. Each kind of state has its own unit: the count buffer
 * (series-buffer.ts), shared records with compare-and-set (shared-records.ts), degraded mode
 * (store-status.ts), streaks and probe tallies (provider-evidence.ts), scores (provider-scores.ts), the
 * serial queue (serial-queue.ts) and the schedule (cycle-schedule.ts); the state driver
 * (transition-driver.ts) and the report (collect-report.ts) read them.
 */
import { systemClock } from '../clock.ts';
import { createLogger } from '../telemetry/logger.ts';
import { alerterFrom, healthLogWriter } from './alerts.ts';
import { classifyOutcome } from './classify-outcome.ts';
import { collectReport } from './collect-report.ts';
import { CycleSchedule, cycleIntervals, startCycleTimer } from './cycle-schedule.ts';
import { type CycleParts, runCycle, updateScores } from './health-cycle.ts';
import { resolveProbe, resolveThresholds, resolveWindows } from './health-options.ts';
import { initialRecord } from './health-record.ts';
import type { HealthReport } from './health-report.ts';
import { createMemoryHealthStore } from './memory-store.ts';
import type { BackgroundHealthMonitor, HealthMonitorOptions } from './monitor-options.ts';
import { ProbeGate } from './probe-gate.ts';
import { ProviderEvidence } from './provider-evidence.ts';
import { ProviderScores } from './provider-scores.ts';
import { SerialQueue } from './serial-queue.ts';
import { SeriesBuffer } from './series-buffer.ts';
import { providerSeriesId } from './series-id.ts';
import { SharedRecords } from './shared-records.ts';
import { describeError, StoreStatus } from './store-status.ts';
import { applyManualChange, type ManualParts } from './transition-driver.ts';
import type { Outcome, ProviderHealth } from './types.ts';

export type { BackgroundHealthMonitor, HealthMonitorOptions };

export function createHealthMonitor(options: HealthMonitorOptions = {}): BackgroundHealthMonitor {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? createMemoryHealthStore();
  const thresholds = resolveThresholds(options.thresholds);
  const windows = resolveWindows(options.windows);
  const probe = resolveProbe(options.probe);
  const intervals = cycleIntervals(options.flushIntervalMs, options.refreshIntervalMs, options.modelRefreshMs);
  const driveOnRequests = options.driveOnRequests ?? false;
  const startedAt = clock.now();
  const log = healthLogWriter(options.logger ?? createLogger());

  const status = new StoreStatus(store.kind, clock, log);
  const buffer = new SeriesBuffer(windows, options.maxSeries ?? 512);
  const records = new SharedRecords(store, status, (provider) => initialRecord(provider, startedAt, probe.cooldownMs));
  const evidence = new ProviderEvidence();
  const scores = new ProviderScores(thresholds.p99Latency.aboveMs);
  const gate = new ProbeGate(probe.share);
  const queue = new SerialQueue();
  const schedule = new CycleSchedule(intervals);
  const alerts = alerterFrom(options, {
    logger: log,
    claim: (key, ttl, now) =>
      status.degraded ? Promise.reject(new Error('store degraded')) : store.claim(key, ttl, now),
    now: () => clock.now(),
  });

  /** Every provider known here: records first, then series, then evidence (the order cycles visit them). */
  const providers = (): Set<string> =>
    new Set<string>([...records.providers(), ...buffer.providers(), ...evidence.providers()]);
  const driver: ManualParts = {
    records,
    evidence,
    gate,
    windowsOf: (provider, now, fromSlot) => buffer.windows(providerSeriesId(provider), now, fromSlot),
    thresholds,
    windows,
    probe,
    emit: (alert) => alerts.emit(alert),
  };
  const cycle: CycleParts = {
    clock,
    store,
    buffer,
    records,
    status,
    schedule,
    driver,
    scores,
    providers,
    ttlMs: windows.longMs + 2 * windows.slotMs,
  };

  let closed = false;
  const startCycle = (read: boolean) => {
    queue
      .run(() => runCycle(cycle, read, false))
      .catch((err: unknown) => {
        log({ at: clock.now(), level: 'error', component: 'health', event: 'cycle_failed', error: describeError(err) });
      });
  };
  const stopTimer =
    (options.backgroundTimers ?? true)
      ? startCycleTimer(intervals, () => !closed && !queue.busy, startCycle)
      : undefined;
  /** The request-driven schedule: start the cycle that is due, if none is under way. Never awaits. */
  const driveDue = (now: number): void => {
    if (!driveOnRequests || closed || queue.busy) return;
    const due = schedule.due(now, buffer.hasPending);
    if (due) startCycle(due.read);
  };

  const toHealth = (provider: string): ProviderHealth => {
    const record = records.entry(provider).record;
    const health: ProviderHealth = { provider, state: record.state, score: scores.of(provider), since: record.since };
    if (record.reason !== undefined) health.reason = record.reason;
    return health;
  };

  return {
    record(outcome: Outcome): void {
      try {
        const slot = buffer.slotFor(outcome.at, clock.now());
        if (slot !== undefined) {
          const signals = classifyOutcome(outcome);
          buffer.add(outcome.provider, outcome.model, slot, signals);
          evidence.note(outcome.provider, signals, outcome.probe === true);
          if (store.decides) buffer.addEvidence(outcome.provider, signals, outcome.probe === true);
        }
      } catch {
        // Recording must never break a request.
      }
      driveDue(clock.now());
    },

    get(provider: string): ProviderHealth {
      driveDue(clock.now());
      return toHealth(provider);
    },

    admitProbe(provider: string): boolean {
      const record = records.known(provider);
      return record?.state === 'probing' && gate.admit(provider, record.since);
    },

    all(): ProviderHealth[] {
      driveDue(clock.now());
      return [...providers()].sort().map(toHealth);
    },

    drain(provider: string): Promise<void> {
      return queue.run(() =>
        applyManualChange(
          driver,
          provider,
          'drained',
          (record, now) => ({ ...record, state: 'drained', since: now, reason: 'manual', probeSuccesses: 0 }),
          clock.now(),
        ),
      );
    },

    restore(provider: string): Promise<void> {
      return queue.run(async () => {
        const now = clock.now();
        buffer.resetProvider(provider);
        try {
          await store.resetWindows(provider);
        } catch (err) {
          // windowsFrom below already makes evaluation ignore the old data.
          status.failed(err);
        }
        await applyManualChange(
          driver,
          provider,
          'restored',
          (record, at) => ({
            provider: record.provider,
            state: 'healthy',
            since: at,
            version: record.version,
            windowsFrom: at,
            cooldownMs: probe.cooldownMs,
            probeSuccesses: 0,
          }),
          clock.now(),
        );
        updateScores(cycle, now);
      });
    },

    storeStatus: () => status.view(),

    async tick(): Promise<void> {
      await queue.run(() => runCycle(cycle, true, true));
      await alerts.settle();
    },

    async idle(): Promise<void> {
      await queue.idle();
      await alerts.settle();
    },

    report(): HealthReport {
      return collectReport({
        at: clock.now(),
        buffer,
        providers: providers(),
        recordOf: (provider) => records.entry(provider).record,
        scoreOf: (provider) => scores.of(provider),
        store: status.view(),
        windows,
        thresholds,
      });
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      stopTimer?.();
      // Best effort: hand the last counts to the store so other instances still see them.
      await queue.run(async () => {
        // At most two write-only cycles: a batch awaiting acknowledgement, then what is still pending.
        for (let i = 0; i < 2 && !status.degraded && (buffer.awaitingAck || buffer.hasPending); i++) {
          await runCycle(cycle, false, false);
        }
      });
      await alerts.settle();
      if (options.closeStore ?? true) await store.close();
    },
  };
}
