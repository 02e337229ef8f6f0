/**
 * Steady open-loop load: requests leave on a fixed schedule (request i at start + i / rate), whatever the
 * previous ones are doing, so a slow gateway cannot slow the load down and hide its own latency. Requests
 * alternate between the targets. Bounded three ways: a maximum duration, a stop condition, and a cap on
 * requests in flight (a request that would exceed it is not sent and is counted as skipped).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The chat request every client sends: small and non-streaming. */
export const CHAT_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello in three words.' }],
  max_tokens: 16,
});

export interface ClientResult {
  seq: number;
  /** Index of the target (gateway instance) it was sent to. */
  target: number;
  /** Epoch ms the request left. */
  sentAt: number;
  /** Until the whole body was read (or the failure), ms. */
  latencyMs: number;
  /** HTTP status; 0 when no response came (timeout, connection error). */
  status: number;
  provider: string | null;
  attempts: number | null;
  fallbackReason: string | null;
  /** Transport failure name (TimeoutError, TypeError, ...). */
  error: string | null;
}

export interface LoadOptions {
  /** Full URLs, e.g. http://127.0.0.1:PORT/v1/chat/completions. */
  targets: string[];
  ratePerSecond: number;
  /** Epoch ms of the first request. */
  startAt: number;
  maxDurationMs: number;
  /** Checked before each request with its offset from `startAt`; true ends the load. */
  shouldStop?: (offsetMs: number) => boolean;
  timeoutMs: number;
  maxInFlight: number;
  /** Aborts the load early (Ctrl-C, run deadline); requests in flight are aborted too. */
  signal?: AbortSignal;
  /** Called with every result as it completes (progress lines). */
  onResult?: (result: ClientResult) => void;
}

export interface LoadRun {
  results: ClientResult[];
  /** Requests not sent because `maxInFlight` were already waiting. */
  skipped: number;
  /** Epoch ms after the last scheduled request slot. */
  endedAt: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const intervalMs = 1000 / options.ratePerSecond;
  const results: ClientResult[] = [];
  const pending = new Set<Promise<void>>();
  let skipped = 0;
  let seq = 0;
  for (; ; seq++) {
    const offsetMs = seq * intervalMs;
    if (offsetMs >= options.maxDurationMs || options.shouldStop?.(offsetMs) || options.signal?.aborted) break;
    const wait = options.startAt + offsetMs - Date.now();
    if (wait > 0) await sleep(wait);
    if (pending.size >= options.maxInFlight) {
      skipped++;
      continue;
    }
    const target = seq % options.targets.length;
    const request = send(seq, target, options).then((result) => {
      results.push(result);
      options.onResult?.(result);
      pending.delete(request);
    });
    pending.add(request);
  }
  const endedAt = options.startAt + seq * intervalMs;
  await Promise.all(pending);
  results.sort((a, b) => a.seq - b.seq);
  return { results, skipped, endedAt };
}

async function send(seq: number, target: number, options: LoadOptions): Promise<ClientResult> {
  const sentAt = Date.now();
  const started = performance.now();
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const response = await fetch(options.targets[target]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: CHAT_BODY,
      signal: AbortSignal.any(signals),
    });
    await response.arrayBuffer();
    const attempts = Number(response.headers.get('x-switchyard-attempts'));
    return {
      seq,
      target,
      sentAt,
      latencyMs: performance.now() - started,
      status: response.status,
      provider: response.headers.get('x-switchyard-provider'),
      attempts: Number.isFinite(attempts) && attempts > 0 ? attempts : null,
      fallbackReason: response.headers.get('x-switchyard-fallback-reason'),
      error: null,
    };
  } catch (error) {
    return {
      seq,
      target,
      sentAt,
      latencyMs: performance.now() - started,
      status: 0,
      provider: null,
      attempts: null,
      fallbackReason: null,
      error: error instanceof Error ? error.name : 'unknown',
    };
  }
}
