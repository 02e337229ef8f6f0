/**
 * The two Switchyard instances under test: `node src/node.ts` as child processes on loopback ports (started
 * and stopped by the benchmarks' one launcher, bench/lib/children.ts), sharing one Redis through a key prefix
 * of their own.
 *
 * Their stdout (one JSON log line per entry, level `warn`) is read for evidence: counts per event and the
 * health alerts (`tripped`, `probing`) with their times.
 */
import { startChild } from '../lib/children.ts';
import { GATEWAY_SCRIPT } from '../lib/paths.ts';

const KEPT_LINES_PER_EVENT = 5;
/** The gateway's own grace period is 10 s; it is idle when stopped, so this is only a safety net. */
const STOP_GRACE_MS = 12_000;

export interface GatewayLogs {
  /** Log lines per `event`. */
  counts: Record<string, number>;
  /** The first few lines of every event, parsed, for the report's evidence. */
  samples: Record<string, Array<Record<string, unknown>>>;
  /** Lines that were not JSON (start-up errors, stack traces). */
  unparsed: string[];
}

export interface Gateway {
  name: string;
  url: string;
  pid: number;
  logs: GatewayLogs;
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

export async function startGateway(options: {
  name: string;
  port: number;
  env: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<Gateway> {
  const logs: GatewayLogs = { counts: {}, samples: {}, unparsed: [] };
  const child = await startChild({
    name: options.name,
    nodeArgs: [GATEWAY_SCRIPT],
    env: options.env,
    port: options.port,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    stopGraceMs: STOP_GRACE_MS,
    onStdoutLine: (line) => readLogLine(line, logs),
  });
  return {
    name: child.name,
    url: child.url,
    pid: child.pid,
    logs,
    output: child.output,
    exited: child.exited,
    stop: child.stop,
  };
}

function readLogLine(line: string, logs: GatewayLogs): void {
  const text = line.trim();
  if (!text) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    if (logs.unparsed.length < 20) logs.unparsed.push(text.slice(0, 500));
    return;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
  const entry = parsed as Record<string, unknown>;
  const event = typeof entry.event === 'string' ? entry.event : 'unknown';
  logs.counts[event] = (logs.counts[event] ?? 0) + 1;
  logs.samples[event] ??= [];
  const kept = logs.samples[event];
  if (kept.length < KEPT_LINES_PER_EVENT) kept.push(entry);
}
