/**
 * The measurements per subject: one-caller and under-load runs (pooled over rounds), and streaming phases
 * (time to first token, arrival gaps, RSS while N streams are open, CPU per stream).
 */
import { Agent } from 'node:http';
import { cpuTimeMs, memory } from '../lib/proc.ts';
import { chatRequestBody } from './fixtures.ts';
import { type LoadRun, runLoad } from './load.ts';
import { runSteadyStreams, runStream, type StreamResult } from './stream-client.ts';

export interface Target {
  url: string;
  pid: number;
}

export const JSON_BODY = chatRequestBody({ stream: false, maxTokens: 256 });

/** A paced stream of `chunks` content chunks (the upstream writes as many as `max_tokens` allows). */
export function streamBody(chunks: number): string {
  return chatRequestBody({ stream: true, maxTokens: chunks, paced: true });
}

export async function loadRun(target: Target, connections: number, durationSeconds: number): Promise<LoadRun> {
  return await runLoad({ url: target.url, pid: target.pid, body: JSON_BODY, connections, durationSeconds });
}

export interface StreamSettings {
  ttfbMs: number;
  intervalMs: number;
  chunks: number;
}

function streamTimeoutMs(settings: StreamSettings, chunks: number): number {
  return settings.ttfbMs + chunks * settings.intervalMs + 15_000;
}

/** `count` streams one after another, each `chunks` long: time to first token for a single caller. */
export async function sequentialStreams(
  target: Target,
  settings: StreamSettings,
  count: number,
  chunks: number,
): Promise<StreamResult[]> {
  const agent = new Agent({ keepAlive: true });
  const body = streamBody(chunks);
  const results: StreamResult[] = [];
  try {
    for (let i = 0; i < count; i++) {
      results.push(
        await runStream({
          url: target.url,
          body,
          agent,
          expectedChunks: chunks,
          timeoutMs: streamTimeoutMs(settings, chunks),
        }),
      );
    }
  } finally {
    agent.destroy();
  }
  return results;
}

export interface StreamPhase {
  /** Streams kept open at once. */
  streams: number;
  /** Streams started inside the measured window (about `streams` open at once). */
  results: StreamResult[];
  /** Streams that failed, anywhere in the phase (ramp included). */
  failed: StreamResult[];
  /** Streams run in the whole phase (ramp, window and drain). */
  total: number;
  /** Highest VmRSS sampled inside the window, bytes. */
  peakRss: number;
  /** Subject CPU over the window, ms, and the streams that ended inside it. */
  windowCpuMs: number;
  windowMs: number;
  endedInWindow: number;
}

const RSS_SAMPLE_MS = 25;

/** A stream's lifetime at the upstream: time to first byte, then one chunk per interval. */
export function streamLifetimeMs(settings: StreamSettings): number {
  return settings.ttfbMs + (settings.chunks - 1) * settings.intervalMs;
}

/** About `count` streams open at once for `windowMs` (after a ramp of one stream lifetime). */
export async function concurrentStreams(
  target: Target,
  settings: StreamSettings,
  count: number,
  windowMs: number,
): Promise<StreamPhase> {
  const agent = new Agent({ keepAlive: true });
  const body = streamBody(settings.chunks);
  let peakRss = 0;
  let cpuAtWindowStart = Number.NaN;
  let cpuAtWindowEnd = Number.NaN;
  const rampMs = streamLifetimeMs(settings);
  const phaseStart = performance.now();
  const windowStart = phaseStart + rampMs;
  const windowEnd = windowStart + windowMs;
  try {
    const run = await runSteadyStreams({
      concurrency: count,
      rampMs,
      windowMs,
      start: () =>
        runStream({
          url: target.url,
          body,
          agent,
          expectedChunks: settings.chunks,
          timeoutMs: streamTimeoutMs(settings, settings.chunks),
        }),
      sampleMs: RSS_SAMPLE_MS,
      sample: (at) => {
        if (at < windowStart) return;
        if (Number.isNaN(cpuAtWindowStart)) cpuAtWindowStart = cpuTimeMs(target.pid);
        if (at > windowEnd) {
          if (Number.isNaN(cpuAtWindowEnd)) cpuAtWindowEnd = cpuTimeMs(target.pid);
          return;
        }
        peakRss = Math.max(peakRss, memory(target.pid).rss);
      },
    });
    const inWindow = (at: number) => at >= run.windowStart && at <= run.windowEnd;
    return {
      streams: count,
      results: run.results.filter((result) => inWindow(result.startedAt)),
      failed: run.results.filter((result) => !result.ok),
      total: run.results.length,
      peakRss,
      windowCpuMs: cpuAtWindowEnd - cpuAtWindowStart,
      windowMs: run.windowEnd - run.windowStart,
      endedInWindow: run.results.filter((result) => inWindow(result.endedAt)).length,
    };
  } finally {
    agent.destroy();
  }
}
