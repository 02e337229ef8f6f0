/**
 * The two Switchyard instances under test: `node src/node.ts` as child processes on loopback ports, sharing
 * one Redis through a key prefix of their own. Each child gets an IPC channel and a preload that makes it
 * exit when the benchmark dies; every child started here is tracked and stopped by `stopAllGateways`.
 *
 * Their stdout (one JSON log line per entry, level `warn`) is read for evidence: counts per event and the
 * health alerts (`tripped`, `probing`) with their times.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXIT_WITH_PARENT = fileURLToPath(new URL('./outage-exit-with-parent.ts', import.meta.url));
const OUTPUT_TAIL_CHARS = 4000;
const KEPT_LINES_PER_EVENT = 5;

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

const running = new Set<ChildProcess>();

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startGateway(options: {
  name: string;
  port: number;
  env: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<Gateway> {
  const proc = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, 'src/node.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.add(proc);
  if (proc.pid === undefined) throw new Error(`${options.name}: could not start node`);
  const logs: GatewayLogs = { counts: {}, samples: {}, unparsed: [] };
  let tail = '';
  let partial = '';
  proc.stdout?.on('data', (data: Buffer) => {
    const text = data.toString('utf8');
    tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) readLogLine(line, logs);
  });
  proc.stderr?.on('data', (data: Buffer) => {
    tail = (tail + data.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  });
  let hasExited = false;
  const exit = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      hasExited = true;
      running.delete(proc);
      resolve();
    });
  });
  proc.on('error', () => undefined);

  const url = `http://127.0.0.1:${options.port}`;
  const gateway: Gateway = {
    name: options.name,
    url,
    pid: proc.pid,
    logs,
    output: () => tail,
    exited: () => hasExited,
    async stop() {
      if (hasExited) return;
      proc.kill('SIGTERM');
      // The gateway's own grace period is 10 s; it is idle by now, so this is only a safety net.
      const killed = setTimeout(() => proc.kill('SIGKILL'), 12_000);
      await exit;
      clearTimeout(killed);
      if (partial) readLogLine(partial, logs);
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (hasExited) throw new Error(`${options.name} exited during start-up:\n${tail}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return gateway;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await gateway.stop();
      throw new Error(`${options.name} did not answer GET /health within the start-up time:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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

/** Stops every gateway child still running (normal end, errors, Ctrl-C). */
export async function stopAllGateways(): Promise<void> {
  await Promise.all(
    [...running].map(
      (proc) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          proc.once('exit', () => resolve());
          proc.kill('SIGTERM');
          setTimeout(() => proc.kill('SIGKILL'), 12_000).unref();
        }),
    ),
  );
}
