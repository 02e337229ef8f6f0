/**
 * The health monitor: turns outcomes into windows, windows into states, and keeps every gateway instance
 * in step through a shared store — without ever making a request wait on that store.
 *
 * Hot path (`record`, `get`, `admitProbe`): synchronous, in-process maps only. Background cycle (timer, or
 * `tick()` in tests): flush the locally aggregated counts and read back the merged windows and states in
 * one store round trip, evaluate thresholds on the merged windows, and move states with compare-and-set
 * so two instances never transition one provider differently. If the store fails, the cycle keeps
 * evaluating on what it has (the last merged view plus everything not yet flushed), transitions are kept
 * locally and pushed when the store is back, and `storeStatus()` says degraded.
 */
import { type Clock, systemClock } from '../clock.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { type AlertEvent, createAlerter, type FetchLike, type HealthAlert, healthLogWriter } from './alerts.ts';
import { classifyOutcome } from './classify-outcome.ts';
import { computeScore } from './compute-score.ts';
import { decideTransition, type ProbeTally, type Transition } from './decide-transition.ts';
import { type Crossing, evaluateSignals } from './evaluate-signals.ts';
import {
  type HealthThresholds,
  type ProbeOptions,
  resolveProbe,
  resolveThresholds,
  resolveWindows,
  type ThresholdOverrides,
  type WindowOptions,
} from './health-options.ts';
import { type HealthRecord, initialRecord } from './health-record.ts';
import { type HealthReport, type HealthReportInput, healthReport } from './health-report.ts';
import type { HealthStore, HealthStoreKind } from './health-store.ts';
import { createMemoryHealthStore } from './memory-store.ts';
import { ProbeGate } from './probe-gate.ts';
import { redactStoreError } from './redact-store-error.ts';
import { modelSeriesId, parseSeriesId, providerSeriesId } from './series-id.ts';
import { addSignals, emptyCounts, mergeSeries, pruneSeries, type SeriesSlots, type SlotMap } from './slot-counts.ts';
import type { HealthMonitor, Outcome, ProviderHealth } from './types.ts';
import { summarizeWindow, type WindowSummary } from './window-summary.ts';

export interface HealthMonitorOptions {
  /** Where windows and states are shared. Default: a private memory store. */
  store?: HealthStore;
  clock?: Clock;
  thresholds?: ThresholdOverrides;
  windows?: Partial<WindowOptions>;
  probe?: Partial<ProbeOptions>;
  /** Where health's log lines go (with `component: 'health'`). Default: JSON lines on console.log. */
  logger?: Logger;
  /** Alerts are POSTed here as JSON when set. */
  webhookUrl?: string;
  /** Body format of the webhook: `json` (default) or `slack` (incoming-webhook message). */
  webhookFormat?: 'json' | 'slack';
  /** Every delivered alert, for telemetry (the dashboard). */
  onAlert?: (alert: HealthAlert) => void;
  /** Default 2000. */
  webhookTimeoutMs?: number;
  /** Injected fetch for the webhook. Default: global fetch. */
  fetch?: FetchLike;
  /** How long an alert's dedupe key holds, ms. Default 6 h. */
  alertDedupeMs?: number;
  /** Background flush of local counts, ms. Default 250. */
  flushIntervalMs?: number;
  /** Background read of the merged windows and states, ms (rounded to a multiple of the flush interval). Default 500. */
  refreshIntervalMs?: number;
  /** Provider+model series only feed reports; they are read back at most this often, ms. Default 2000. */
  modelRefreshMs?: number;
  /** Run the background cycle on timers. Default true; tests turn it off and call `tick()`. */
  backgroundTimers?: boolean;
  /**
   * Let the hot path start the cycle when it is due: `record()` flushes once the flush interval has passed,
   * and reading states (`get`, `all`) refreshes a snapshot older than the refresh interval. For runtimes that
   * stop timers between requests (Workers), where `idle()` handed to `waitUntil` lets the work finish after
   * the response. Default false.
   */
  driveOnRequests?: boolean;
  /** Upper bound on distinct series (provider+model pairs) kept locally. Default 512. */
  maxSeries?: number;
  /** Whether `close()` closes the store too. Default true. */
  closeStore?: boolean;
}

export interface BackgroundHealthMonitor extends HealthMonitor {
  /** One full background cycle now: flush, read back, evaluate, transition, deliver alerts. */
  tick(): Promise<void>;
  /** Every provider's windows, score and state, for the admin API. */
  report(): HealthReport;
  /** Resolves when the background work started so far (cycles, alert deliveries) has finished. */
  idle(): Promise<void>;
  readonly thresholds: HealthThresholds;
}

interface Entry {
  record: HealthRecord;
  /** Set when the record changed while the store could not be reached: the store version it was based on. */
  unsyncedBase?: number;
  /** An operator's change: pushed over whatever the store holds. */
  manual?: boolean;
}

const CAS_ATTEMPTS = 3;

export function createHealthMonitor(options: HealthMonitorOptions = {}): BackgroundHealthMonitor {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? createMemoryHealthStore();
  const thresholds = resolveThresholds(options.thresholds);
  const windows = resolveWindows(options.windows);
  const probe = resolveProbe(options.probe);
  const flushIntervalMs = options.flushIntervalMs ?? 250;
  const refreshEvery = Math.max(1, Math.round((options.refreshIntervalMs ?? 500) / flushIntervalMs));
  const refreshIntervalMs = refreshEvery * flushIntervalMs;
  const driveOnRequests = options.driveOnRequests ?? false;
  const modelRefreshMs = options.modelRefreshMs ?? 2000;
  const maxSeries = options.maxSeries ?? 512;
  const slotMs = windows.slotMs;
  const shortSlots = windows.shortMs / slotMs;
  const longSlots = windows.longMs / slotMs;
  const ttlMs = windows.longMs + 2 * slotMs;
  const startedAt = clock.now();

  // Window data, by where it currently is. A count is in exactly one place: pending → outbox → unread →
  // snapshot.
  let pending: SeriesSlots = new Map();
  /**
   * The batch being flushed, kept (not merged back) until the store acknowledges it: a timed-out flush may
   * still have been applied, so a retry must carry the same sequence number for the store to skip it.
   */
  let outbox: { seq: number; data: SeriesSlots } | undefined;
  let flushSeq = 0;
  const writerId = globalThis.crypto.randomUUID();
  /** Flushed by write-only cycles, not yet part of a snapshot. */
  const unread: SeriesSlots = new Map();
  /** The merged windows as last read from the store. */
  let snapshot: SeriesSlots = new Map();
  const seriesIds = new Set<string>();
  let lastModelRead = -Infinity;

  const entries = new Map<string, Entry>();
  const consecutive = new Map<string, number>();
  const probeTallies = new Map<string, ProbeTally>();
  const scores = new Map<string, number>();
  const gate = new ProbeGate(probe.share);

  let degraded = false;
  let degradedSince = 0;
  /** When the last cycle started, and the last one that read the store (request-driven scheduling). */
  let lastCycleAt = -Infinity;
  let lastReadAt = -Infinity;
  let lastError: string | undefined;
  /** The last successful store round trip, ms. */
  let lastSyncMs: number | undefined;
  let closed = false;

  const log = healthLogWriter(options.logger ?? createLogger());

  const alerts = createAlerter({
    logger: log,
    ...(options.webhookUrl !== undefined ? { webhookUrl: options.webhookUrl } : {}),
    ...(options.webhookFormat !== undefined ? { webhookFormat: options.webhookFormat } : {}),
    ...(options.onAlert !== undefined ? { onAlert: options.onAlert } : {}),
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    webhookTimeoutMs: options.webhookTimeoutMs ?? 2000,
    dedupeMs: options.alertDedupeMs ?? 6 * 3_600_000,
    claim: (key, ttl, now) => (degraded ? Promise.reject(new Error('store degraded')) : store.claim(key, ttl, now)),
    now: () => clock.now(),
  });

  // ---- serialised background work -------------------------------------------------------------------

  let queue: Promise<void> = Promise.resolve();
  let queued = 0;
  const enqueue = (task: () => Promise<void>): Promise<void> => {
    queued += 1;
    const run = queue.then(task).finally(() => {
      queued -= 1;
    });
    queue = run.catch(() => undefined);
    return run;
  };

  let timer: ReturnType<typeof setInterval> | undefined;
  if (options.backgroundTimers ?? true) {
    let beat = 0;
    timer = setInterval(() => {
      if (closed || queued > 0) return;
      beat += 1;
      const read = beat % refreshEvery === 0;
      enqueue(() => runCycle(read, false)).catch((err: unknown) => {
        log({ at: clock.now(), level: 'error', component: 'health', event: 'cycle_failed', error: describe(err) });
      });
    }, flushIntervalMs);
    unrefTimer(timer);
  }

  /** The request-driven schedule: start the cycle that is due, if none is under way. Never awaits. */
  const driveDue = (now: number): void => {
    if (!driveOnRequests || closed || queued > 0) return;
    const read = now - lastReadAt >= refreshIntervalMs;
    if (!read && (pending.size === 0 || now - lastCycleAt < flushIntervalMs)) return;
    enqueue(() => runCycle(read, false)).catch((err: unknown) => {
      log({ at: clock.now(), level: 'error', component: 'health', event: 'cycle_failed', error: describe(err) });
    });
  };

  // ---- helpers ------------------------------------------------------------------------------------

  const slotOf = (time: number) => Math.floor(time / slotMs);
  const entryOf = (provider: string): Entry =>
    entries.get(provider) ?? { record: initialRecord(provider, startedAt, probe.cooldownMs) };

  const sourcesFor = (id: string): Array<SlotMap | undefined> => [
    snapshot.get(id),
    unread.get(id),
    outbox?.data.get(id),
    pending.get(id),
  ];

  const windowsFor = (
    id: string,
    now: number,
    evalFromSlot = -Infinity,
  ): { short: WindowSummary; long: WindowSummary } => {
    const toSlot = slotOf(now);
    const sources = sourcesFor(id);
    return {
      short: summarizeWindow(sources, Math.max(toSlot - shortSlots + 1, evalFromSlot), toSlot),
      long: summarizeWindow(sources, Math.max(toSlot - longSlots + 1, evalFromSlot), toSlot),
    };
  };

  const knownProviders = (): Set<string> => {
    const providers = new Set<string>(entries.keys());
    for (const id of seriesIds) {
      const name = parseSeriesId(id);
      if (name && name.model === undefined) providers.add(name.provider);
    }
    for (const p of probeTallies.keys()) providers.add(p);
    for (const p of consecutive.keys()) providers.add(p);
    return providers;
  };

  const setStoreError = (err: unknown) => {
    lastError = redactStoreError(describe(err));
    if (degraded) return;
    degraded = true;
    degradedSince = clock.now();
    log({
      at: degradedSince,
      level: 'warn',
      component: 'health',
      event: 'store_degraded',
      store: store.kind,
      error: lastError,
    });
  };

  const setStoreOk = () => {
    if (!degraded) return;
    degraded = false;
    const now = clock.now();
    log({
      at: now,
      level: 'info',
      component: 'health',
      event: 'store_recovered',
      store: store.kind,
      degradedMs: now - degradedSince,
    });
  };

  const addToPending = (id: string, slot: number, apply: (counts: ReturnType<typeof emptyCounts>) => void) => {
    let slots = pending.get(id);
    if (!slots) {
      slots = new Map();
      pending.set(id, slots);
    }
    let counts = slots.get(slot);
    if (!counts) {
      counts = emptyCounts();
      slots.set(slot, counts);
    }
    apply(counts);
  };

  // ---- the cycle ----------------------------------------------------------------------------------

  async function runCycle(read: boolean, forceModels: boolean): Promise<void> {
    const now = clock.now();
    lastCycleAt = now;
    if (read) lastReadAt = now;
    const toSlot = slotOf(now);
    const fromSlot = toSlot - longSlots + 1;
    pruneSeries(pending, fromSlot);
    pruneSeries(unread, fromSlot);
    pruneSeries(snapshot, fromSlot);
    if (outbox) pruneSeries(outbox.data, fromSlot);
    if (!outbox && pending.size > 0) {
      flushSeq += 1;
      outbox = { seq: flushSeq, data: pending };
      pending = new Map();
    }

    if (read || outbox) {
      const sending = outbox;
      const readModels = read && (forceModels || now - lastModelRead >= modelRefreshMs);
      try {
        const syncStarted = performance.now();
        const result = await store.sync({
          batch: sending?.data ?? new Map(),
          writer: { id: writerId, seq: sending?.seq ?? 0 },
          now,
          fromSlot,
          toSlot,
          ttlMs,
          read,
          readModels,
        });
        // Wall time (not the injected clock): what an operator graphs as the store's latency.
        lastSyncMs = performance.now() - syncStarted;
        outbox = undefined;
        if (read && result.series) {
          adoptSnapshot(result.series, readModels);
          if (readModels) lastModelRead = now;
        } else if (sending) {
          mergeSeries(unread, sending.data);
        }
        setStoreOk();
        if (read && result.records) await reconcile(result.records);
      } catch (err) {
        setStoreError(err);
      }
    }
    forgetIdleSeries();
    await decideAll(clock.now());
    updateScores(clock.now());
  }

  function adoptSnapshot(series: SeriesSlots, withModels: boolean): void {
    if (withModels) {
      snapshot = new Map();
      unread.clear();
    } else {
      // Model series were not read: keep their last snapshot and their unread data.
      for (const id of [...snapshot.keys()]) if (!id.includes('|')) snapshot.delete(id);
      for (const id of [...unread.keys()]) if (!id.includes('|')) unread.delete(id);
    }
    for (const [id, slots] of series) {
      // Clients choose model names on passthrough routes: the cap bounds memory whatever the store holds.
      const isModel = id.includes('|');
      if (isModel && !seriesIds.has(id) && seriesIds.size >= maxSeries) continue;
      seriesIds.add(id);
      snapshot.set(id, slots);
    }
  }

  function forgetIdleSeries(): void {
    for (const id of seriesIds) {
      if (!snapshot.has(id) && !unread.has(id) && !pending.has(id) && !outbox?.data.has(id)) seriesIds.delete(id);
    }
  }

  /** After a read: adopt the store's records, pushing local changes made while it was unreachable. */
  async function reconcile(stored: Map<string, HealthRecord>): Promise<void> {
    const providers = new Set<string>([...stored.keys(), ...entries.keys()]);
    for (const provider of providers) {
      const current = stored.get(provider);
      const entry = entries.get(provider);
      if (entry?.unsyncedBase === undefined) {
        if (current) entries.set(provider, { record: current });
        else entries.delete(provider);
        continue;
      }
      const storedVersion = current?.version ?? 0;
      if (storedVersion !== entry.unsyncedBase && !entry.manual) {
        // Another instance moved this provider meanwhile: the shared state wins.
        if (current) entries.set(provider, { record: current });
        else entries.delete(provider);
        continue;
      }
      const next = { ...entry.record, version: storedVersion + 1 };
      try {
        const result = await store.compareAndSet(storedVersion, next);
        const record = result.applied ? next : result.current;
        if (record) entries.set(provider, { record });
        else entries.delete(provider);
      } catch (err) {
        setStoreError(err);
        return;
      }
    }
  }

  async function decideAll(now: number): Promise<void> {
    for (const provider of knownProviders()) {
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const entry = entryOf(provider);
        const record = entry.record;
        if (record.state !== 'healthy') consecutive.delete(provider);
        if (record.state !== 'probing') probeTallies.delete(provider);
        const crossings = record.state === 'healthy' ? evaluate(provider, record, now) : [];
        const transition = decideTransition({
          record,
          now,
          crossings,
          probes: probeTallies.get(provider) ?? { ok: 0, failed: 0 },
          probe,
        });
        if (!transition) break;
        if (!(await commit(provider, entry, transition.next, false))) continue;
        if (transition.consumedProbes) probeTallies.delete(provider);
        if (transition.next.state !== 'healthy' || transition.event === 'recovered') consecutive.delete(provider);
        if (transition.next.state !== 'probing') gate.forget(provider);
        alertTransition(record, transition, crossings);
        break;
      }
    }
  }

  function evaluate(provider: string, record: HealthRecord, now: number): Crossing[] {
    const { short, long } = windowsFor(providerSeriesId(provider), now, Math.ceil(record.windowsFrom / slotMs));
    return evaluateSignals({
      short,
      long,
      consecutiveFailures: consecutive.get(provider) ?? 0,
      now,
      slotMs,
      thresholds,
      fresh: record.windowsFrom > 0 && now - record.windowsFrom < windows.shortMs,
    });
  }

  /**
   * Stores a transition: compare-and-set when the store answers, locally (to be pushed later) when it does
   * not. Returns false when another instance got there first (the entry then holds its record).
   */
  async function commit(provider: string, entry: Entry, next: HealthRecord, manual: boolean): Promise<boolean> {
    const keepLocal = () => {
      entries.set(provider, {
        record: next,
        unsyncedBase: entry.unsyncedBase ?? entry.record.version,
        ...(manual || entry.manual ? { manual: true } : {}),
      });
      return true;
    };
    if (!manual && (degraded || entry.unsyncedBase !== undefined)) return keepLocal();
    try {
      const result = await store.compareAndSet(entry.record.version, next);
      if (result.applied) {
        entries.set(provider, { record: next });
        return true;
      }
      if (result.current) entries.set(provider, { record: result.current });
      else entries.delete(provider);
      return false;
    } catch (err) {
      setStoreError(err);
      return keepLocal();
    }
  }

  function alertTransition(previous: HealthRecord, transition: Transition, crossings: readonly Crossing[]): void {
    const next = transition.next;
    const base = { provider: next.provider, state: next.state, at: next.since };
    switch (transition.event) {
      case 'tripped':
        if (previous.state === 'healthy') {
          for (const c of crossings) {
            alerts.emit({
              ...base,
              event: 'threshold_crossed',
              signal: c.signal,
              value: c.value,
              threshold: c.threshold,
              window: c.window,
              incident: next.incident ?? null,
            });
          }
          const t = next.trigger;
          alerts.emit({
            ...base,
            event: 'tripped',
            signal: t?.signal ?? next.reason ?? null,
            value: t?.value ?? null,
            threshold: t?.threshold ?? null,
            window: t?.window ?? null,
            incident: next.incident ?? null,
          });
        } else {
          alerts.emit({
            ...base,
            event: 'tripped',
            signal: next.reason ?? 'probe_failed',
            value: null,
            threshold: null,
            window: null,
            incident: next.incident ?? null,
          });
        }
        return;
      case 'probing':
        alerts.emit({
          ...base,
          event: 'probing',
          signal: next.trigger?.signal ?? next.reason ?? null,
          value: null,
          threshold: null,
          window: null,
          incident: next.incident ?? null,
        });
        return;
      case 'recovered':
        alerts.emit({
          ...base,
          event: 'recovered',
          signal: previous.trigger?.signal ?? previous.reason ?? null,
          value: null,
          threshold: null,
          window: null,
          incident: previous.incident ?? null,
        });
        return;
      case 'probe_progress':
        return;
    }
  }

  function updateScores(now: number): void {
    const seen = new Set<string>();
    for (const provider of knownProviders()) {
      const { short, long } = windowsFor(providerSeriesId(provider), now);
      scores.set(provider, computeScore(short, long, thresholds.p99Latency.aboveMs));
      seen.add(provider);
    }
    for (const provider of scores.keys()) if (!seen.has(provider)) scores.delete(provider);
  }

  async function manualChange(
    provider: string,
    event: AlertEvent,
    make: (record: HealthRecord, now: number) => HealthRecord,
  ): Promise<void> {
    const now = clock.now();
    let next: HealthRecord | undefined;
    for (let attempt = 0; attempt < CAS_ATTEMPTS && !next; attempt++) {
      const entry = entryOf(provider);
      const candidate = { ...make(entry.record, now), version: entry.record.version + 1 };
      if (await commit(provider, entry, candidate, true)) next = candidate;
    }
    if (!next) {
      // Lost the race three times: keep it locally; the next read pushes it over whatever is stored.
      const entry = entryOf(provider);
      next = { ...make(entry.record, now), version: entry.record.version + 1 };
      entries.set(provider, { record: next, unsyncedBase: entry.record.version, manual: true });
    }
    consecutive.delete(provider);
    probeTallies.delete(provider);
    gate.forget(provider);
    alerts.emit({
      provider,
      event,
      state: next.state,
      at: now,
      signal: 'manual',
      value: null,
      threshold: null,
      window: null,
      incident: null,
    });
  }

  // ---- the monitor --------------------------------------------------------------------------------

  const toHealth = (provider: string): ProviderHealth => {
    const record = entryOf(provider).record;
    const health: ProviderHealth = {
      provider,
      state: record.state,
      score: scores.get(provider) ?? 1,
      since: record.since,
    };
    if (record.reason !== undefined) health.reason = record.reason;
    return health;
  };

  const storeStatus = (): { store: HealthStoreKind; degraded: boolean; lastError?: string; syncMs?: number } => ({
    store: store.kind,
    degraded,
    ...(lastError === undefined ? {} : { lastError }),
    ...(lastSyncMs === undefined ? {} : { syncMs: lastSyncMs }),
  });

  return {
    thresholds,

    record(outcome: Outcome): void {
      try {
        const now = clock.now();
        const currentSlot = slotOf(now);
        let slot = Number.isFinite(outcome.at) ? slotOf(outcome.at) : currentSlot;
        if (slot < currentSlot - longSlots + 1) return;
        if (slot > currentSlot) slot = currentSlot;
        const signals = classifyOutcome(outcome);
        const providerId = providerSeriesId(outcome.provider);
        seriesIds.add(providerId);
        addToPending(providerId, slot, (counts) => addSignals(counts, signals));
        if (typeof outcome.model === 'string' && outcome.model !== '') {
          const modelId = modelSeriesId(outcome.provider, outcome.model);
          if (seriesIds.has(modelId) || seriesIds.size < maxSeries) {
            seriesIds.add(modelId);
            addToPending(modelId, slot, (counts) => addSignals(counts, signals));
          }
        }
        if (signals.class === 'provider_fault') {
          consecutive.set(outcome.provider, (consecutive.get(outcome.provider) ?? 0) + 1);
        } else if (signals.class === 'success') {
          consecutive.set(outcome.provider, 0);
        }
        if (outcome.probe && signals.class !== 'client_fault') {
          const tally = probeTallies.get(outcome.provider) ?? { ok: 0, failed: 0 };
          if (signals.class === 'success') tally.ok += 1;
          else tally.failed += 1;
          probeTallies.set(outcome.provider, tally);
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
      const record = entries.get(provider)?.record;
      return record?.state === 'probing' && gate.admit(provider, record.since);
    },

    all(): ProviderHealth[] {
      driveDue(clock.now());
      return [...knownProviders()].sort().map(toHealth);
    },

    drain(provider: string): Promise<void> {
      return enqueue(() =>
        manualChange(provider, 'drained', (record, now) => ({
          ...record,
          state: 'drained',
          since: now,
          reason: 'manual',
          probeSuccesses: 0,
        })),
      );
    },

    restore(provider: string): Promise<void> {
      return enqueue(async () => {
        const now = clock.now();
        const prefix = providerSeriesId(provider);
        for (const series of [pending, unread, snapshot, outbox?.data]) {
          if (!series) continue;
          for (const id of [...series.keys()]) if (id === prefix || id.startsWith(`${prefix}|`)) series.delete(id);
        }
        try {
          await store.resetWindows(provider);
        } catch (err) {
          // windowsFrom below already makes evaluation ignore the old data.
          setStoreError(err);
        }
        await manualChange(provider, 'restored', (record, at) => ({
          provider: record.provider,
          state: 'healthy',
          since: at,
          version: record.version,
          windowsFrom: at,
          cooldownMs: probe.cooldownMs,
          probeSuccesses: 0,
        }));
        updateScores(now);
      });
    },

    storeStatus,

    async tick(): Promise<void> {
      await enqueue(() => runCycle(true, true));
      await alerts.settle();
    },

    async idle(): Promise<void> {
      while (queued > 0) await queue;
      await alerts.settle();
    },

    report(): HealthReport {
      const now = clock.now();
      const modelsByProvider = new Map<string, Array<{ model: string; id: string }>>();
      for (const id of seriesIds) {
        const name = parseSeriesId(id);
        if (!name || name.model === undefined) continue;
        const list = modelsByProvider.get(name.provider) ?? [];
        list.push({ model: name.model, id });
        modelsByProvider.set(name.provider, list);
      }
      const providers: HealthReportInput['providers'] = [...knownProviders()].map((provider) => ({
        record: entryOf(provider).record,
        score: scores.get(provider) ?? 1,
        ...windowsFor(providerSeriesId(provider), now),
        models: (modelsByProvider.get(provider) ?? []).map(({ model, id }) => ({ model, ...windowsFor(id, now) })),
      }));
      return healthReport({ at: now, store: storeStatus(), windows, thresholds, providers });
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      // Best effort: hand the last counts to the store so other instances still see them.
      await enqueue(async () => {
        // At most two write-only cycles: a batch awaiting acknowledgement, then what is still pending.
        for (let i = 0; i < 2 && !degraded && (outbox || pending.size > 0); i++) await runCycle(false, false);
      });
      await alerts.settle();
      if (options.closeStore ?? true) await store.close();
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Lets Node exit while the timer runs; other runtimes have no unref. */
function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer && typeof timer.unref === 'function') {
    timer.unref();
  }
}
