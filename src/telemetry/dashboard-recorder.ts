/**
 * The dashboard's memory: traffic share per provider over the last 15 minutes (one bucket a minute),
 * recent successful attempts' latency and time to first token (a bounded ring per provider), and the last
 * health alerts. A TelemetrySink, so it learns from the same events as the metrics; runtime-neutral.
 */
import type { HealthAlert } from '../health/health-alert.ts';
import type { AttemptEvent, RequestEvent, TelemetrySink } from './telemetry-sink.ts';

const MINUTE_MS = 60_000;
const TRAFFIC_MINUTES = 15;
const SAMPLES_PER_PROVIDER = 2048;
const ALERTS_KEPT = 50;
const MAX_PROVIDERS = 32;

interface Samples {
  at: Float64Array;
  latencyMs: Float64Array;
  firstByteMs: Float64Array;
  next: number;
  size: number;
}

export interface ProviderActivity {
  provider: string;
  /** Requests this provider served in the last 15 minutes, and their share of all served requests. */
  served: number;
  share: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  firstByteP50Ms: number | null;
  firstByteP99Ms: number | null;
  samples: number;
}

export interface DashboardActivity {
  trafficWindowMs: number;
  failed: number;
  providers: ProviderActivity[];
  alerts: HealthAlert[];
}

export interface DashboardRecorder extends TelemetrySink {
  activity(now: number): DashboardActivity;
}

export function createDashboardRecorder(now: () => number = Date.now): DashboardRecorder {
  // minute index -> provider (or '' for failed requests) -> count
  const traffic = new Map<number, Map<string, number>>();
  const samples = new Map<string, Samples>();
  const alerts: HealthAlert[] = [];

  const countServed = (provider: string, at: number) => {
    const minute = Math.floor(at / MINUTE_MS);
    let bucket = traffic.get(minute);
    if (!bucket) {
      bucket = new Map();
      traffic.set(minute, bucket);
      for (const old of traffic.keys()) if (old <= minute - TRAFFIC_MINUTES) traffic.delete(old);
    }
    if (bucket.size >= MAX_PROVIDERS && !bucket.has(provider)) return;
    bucket.set(provider, (bucket.get(provider) ?? 0) + 1);
  };

  return {
    attempt(event: AttemptEvent) {
      if (!event.ok) return;
      let ring = samples.get(event.provider);
      if (!ring) {
        if (samples.size >= MAX_PROVIDERS) return;
        ring = {
          at: new Float64Array(SAMPLES_PER_PROVIDER),
          latencyMs: new Float64Array(SAMPLES_PER_PROVIDER),
          firstByteMs: new Float64Array(SAMPLES_PER_PROVIDER),
          next: 0,
          size: 0,
        };
        samples.set(event.provider, ring);
      }
      ring.at[ring.next] = event.at;
      ring.latencyMs[ring.next] = event.latencyMs;
      ring.firstByteMs[ring.next] = event.firstByteMs ?? Number.NaN;
      ring.next = (ring.next + 1) % SAMPLES_PER_PROVIDER;
      ring.size = Math.min(ring.size + 1, SAMPLES_PER_PROVIDER);
    },
    request(event: RequestEvent) {
      if (event.status === 499) return;
      countServed(event.provider && event.status < 400 ? event.provider : '', now());
    },
    alert(alert: HealthAlert) {
      alerts.push(alert);
      if (alerts.length > ALERTS_KEPT) alerts.splice(0, alerts.length - ALERTS_KEPT);
    },
    activity(at: number): DashboardActivity {
      const oldestMinute = Math.floor(at / MINUTE_MS) - TRAFFIC_MINUTES + 1;
      const served = new Map<string, number>();
      for (const [minute, bucket] of traffic) {
        if (minute < oldestMinute) continue;
        for (const [provider, count] of bucket) served.set(provider, (served.get(provider) ?? 0) + count);
      }
      const failed = served.get('') ?? 0;
      served.delete('');
      let total = 0;
      for (const count of served.values()) total += count;
      const names = new Set([...served.keys(), ...samples.keys()]);
      const providers = [...names].sort().map((provider) => {
        const ring = samples.get(provider);
        const { latency, firstByte } = ring
          ? recentSamples(ring, at - TRAFFIC_MINUTES * MINUTE_MS)
          : { latency: [], firstByte: [] };
        const count = served.get(provider) ?? 0;
        return {
          provider,
          served: count,
          share: total ? Math.round((count / total) * 1000) / 1000 : 0,
          latencyP50Ms: percentile(latency, 0.5),
          latencyP99Ms: percentile(latency, 0.99),
          firstByteP50Ms: percentile(firstByte, 0.5),
          firstByteP99Ms: percentile(firstByte, 0.99),
          samples: latency.length,
        };
      });
      return { trafficWindowMs: TRAFFIC_MINUTES * MINUTE_MS, failed, providers, alerts: [...alerts].reverse() };
    },
  };
}

function recentSamples(ring: Samples, since: number): { latency: number[]; firstByte: number[] } {
  const latency: number[] = [];
  const firstByte: number[] = [];
  for (let i = 0; i < ring.size; i++) {
    if (ring.at[i]! < since) continue;
    latency.push(ring.latencyMs[i]!);
    const ttft = ring.firstByteMs[i]!;
    if (!Number.isNaN(ttft)) firstByte.push(ttft);
  }
  return { latency, firstByte };
}

/** Nearest-rank percentile, ms rounded; null without samples. */
export function percentile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[rank]!);
}
