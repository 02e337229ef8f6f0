/**
 * What the benchmark watches besides its own requests:
 *
 * - the shared health records in Redis (`<prefix>{health}:state`, see src/health/README.md), polled every
 *   50 ms: each record carries the exact time of its last transition (`since`) and a `version` that grows by
 *   one per change, so transitions are timed exactly and a missed one would show as a version gap;
 * - OpenAI's merged window counters in Redis (`<prefix>{health}:w:openai`), every 250 ms: the short-window
 *   error rate exactly as the thresholds evaluate it, from the record's `windowsFrom` on (fresh windows after
 *   a recovery), which `/admin/health` does not apply;
 * - each instance's own view, `GET /admin/health`, polled every 500 ms: when an instance adopted a state, and
 *   the short-window error rate the `error_rate` threshold is evaluated on.
 *
 * And the clean-up of the run's Redis keys (SCAN + DEL under its own prefix, never FLUSH).
 */
import type { Redis } from 'ioredis';

export interface SharedChange {
  provider: string;
  state: string;
  /** Epoch ms of the transition, from the record. */
  since: number;
  reason: string | null;
  version: number;
  cooldownMs: number | null;
  probeSuccesses: number | null;
  /** Threshold evaluation ignores window slots before this (epoch ms). */
  windowsFrom: number;
  /** Epoch ms this poll saw it. */
  seenAt: number;
}

/** The short window of one provider as its thresholds see it, at one moment. */
export interface WindowSample {
  at: number;
  requests: number;
  /** Provider-fault errors (429s included, as `errorRate.includeRateLimits` defaults to). */
  errors: number;
}

export interface WatchOptions {
  /** Poll interval of the state records, ms. */
  intervalMs: number;
  /** The provider whose window is followed, and every how many state polls. */
  windowProvider: string;
  windowEvery: number;
  slotMs: number;
  shortMs: number;
}

export interface SharedStateWatch {
  changes: SharedChange[];
  windows: WindowSample[];
  /**
   * Version gaps between two polls that hide a transition: a state came and went unseen. Gaps that only skip
   * probe progress are not counted.
   */
  missedVersions(): number;
  /** Last record seen of a provider. */
  latest(provider: string): SharedChange | undefined;
  pollErrors(): number;
  stop(): Promise<void>;
}

/**
 * Transitions that take one step (src/health/decide-transition.ts, plus the operator's drain and restore):
 * a version gap across one of them only skipped probe progress. Any other pair, or the same state with a
 * new `since`, means a state came and went between two polls.
 */
const SINGLE_STEPS: ReadonlySet<string> = new Set([
  'healthy>tripped',
  'tripped>probing',
  'probing>tripped',
  'probing>healthy',
  'healthy>drained',
  'tripped>drained',
  'probing>drained',
  'drained>healthy',
  'tripped>healthy',
]);

export function watchSharedState(redis: Redis, prefix: string, options: WatchOptions): SharedStateWatch {
  const key = `${prefix}{health}:state`;
  const windowKey = `${prefix}{health}:w:${encodeURIComponent(options.windowProvider)}`;
  const changes: SharedChange[] = [];
  const windows: WindowSample[] = [];
  const last = new Map<string, SharedChange>();
  let missed = 0;
  let errors = 0;
  let stopped = false;
  const loop = (async () => {
    for (let poll = 0; !stopped; poll++) {
      try {
        const records = await redis.hgetall(key);
        const seenAt = Date.now();
        for (const [provider, raw] of Object.entries(records)) {
          const change = parseRecord(provider, raw, seenAt);
          if (!change) continue;
          const previous = last.get(provider);
          if (previous && change.version === previous.version) continue;
          if (
            previous &&
            change.version > previous.version + 1 &&
            change.since !== previous.since &&
            !SINGLE_STEPS.has(`${previous.state}>${change.state}`)
          )
            missed++;
          last.set(provider, change);
          changes.push(change);
        }
        if (poll % options.windowEvery === 0) {
          const fields = await redis.hgetall(windowKey);
          const at = Date.now();
          windows.push({ at, ...shortWindow(fields, at, last.get(options.windowProvider)?.windowsFrom ?? 0, options) });
        }
      } catch {
        errors++;
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
  })();
  return {
    changes,
    windows,
    missedVersions: () => missed,
    latest: (provider) => last.get(provider),
    pollErrors: () => errors,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

function parseRecord(provider: string, raw: string, seenAt: number): SharedChange | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const record = asRecord(value);
  if (!record) return undefined;
  const state = record.state;
  const since = record.since;
  const version = record.version;
  if (typeof state !== 'string' || typeof since !== 'number' || typeof version !== 'number') return undefined;
  return {
    provider,
    state,
    since,
    reason: typeof record.reason === 'string' ? record.reason : null,
    version,
    cooldownMs: typeof record.cooldownMs === 'number' ? record.cooldownMs : null,
    probeSuccesses: typeof record.probeSuccesses === 'number' ? record.probeSuccesses : null,
    windowsFrom: typeof record.windowsFrom === 'number' ? record.windowsFrom : 0,
    seenAt,
  };
}

/**
 * Sums the `<slot>:n` (requests) and `<slot>:e` (errors) fields of a window hash over the short window
 * ending now, from the first slot at or after `windowsFrom`: what src/health evaluates thresholds on.
 */
export function shortWindow(
  fields: Record<string, string>,
  now: number,
  windowsFrom: number,
  options: { slotMs: number; shortMs: number },
): { requests: number; errors: number } {
  const toSlot = Math.floor(now / options.slotMs);
  const fromSlot = Math.max(toSlot - options.shortMs / options.slotMs + 1, Math.ceil(windowsFrom / options.slotMs));
  let requests = 0;
  let errors = 0;
  for (const [field, value] of Object.entries(fields)) {
    const match = /^(\d+):([ne])$/.exec(field);
    if (!match) continue;
    const slot = Number(match[1]);
    if (slot < fromSlot || slot > toSlot) continue;
    if (match[2] === 'n') requests += Number(value);
    else errors += Number(value);
  }
  return { requests, errors };
}

export interface AdminSample {
  instance: number;
  /** Epoch ms of the answer. */
  at: number;
  /** This instance's state of OpenAI. */
  state: string | null;
  /** OpenAI's short-window (1 min) error rate as this instance computes it, 0..1. */
  errorRate: number | null;
  /** Requests in that window. */
  requests: number | null;
}

export interface AdminWatch {
  samples: AdminSample[];
  /** The `errorRate` threshold the instances report: trips above `above` (0..1) from `minSamples` requests. */
  errorRateThreshold(): { above: number; minSamples: number } | null;
  failures(): number;
  stop(): Promise<void>;
}

export function watchAdmin(urls: string[], adminKey: string, provider: string, intervalMs = 500): AdminWatch {
  const samples: AdminSample[] = [];
  let threshold: { above: number; minSamples: number } | null = null;
  let failures = 0;
  let stopped = false;
  const poll = async (instance: number, url: string): Promise<void> => {
    try {
      const response = await fetch(`${url}/admin/health`, {
        headers: { authorization: `Bearer ${adminKey}` },
        signal: AbortSignal.timeout(2_000),
      });
      const body: unknown = await response.json();
      if (response.status !== 200) {
        failures++;
        return;
      }
      const root = asRecord(body);
      const own = asArray(root?.providers)
        .map(asRecord)
        .find((entry) => entry?.provider === provider);
      const report = asRecord(root?.report);
      const reported = asArray(report?.providers)
        .map(asRecord)
        .find((entry) => entry?.provider === provider);
      const short = asRecord(reported?.short);
      const errorRate = asRecord(asRecord(report?.thresholds)?.errorRate);
      const above = errorRate?.above;
      const minSamples = errorRate?.minSamples;
      if (typeof above === 'number' && typeof minSamples === 'number') threshold = { above, minSamples };
      samples.push({
        instance,
        at: Date.now(),
        state: typeof own?.state === 'string' ? own.state : null,
        errorRate: typeof short?.errorRate === 'number' ? short.errorRate : null,
        requests: typeof short?.requests === 'number' ? short.requests : null,
      });
    } catch {
      failures++;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await Promise.all(urls.map((url, instance) => poll(instance, url)));
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    samples,
    errorRateThreshold: () => threshold,
    failures: () => failures,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** SCAN + DEL every key under `prefix`; returns how many were deleted. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

export async function countKeys(redis: Redis, prefix: string): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}
