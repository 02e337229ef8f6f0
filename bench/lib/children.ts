/**
 * Child processes of the benchmarks (upstreams, subjects, gateway instances): started with an IPC channel so
 * that they exit when this process goes away (see exit-with-parent.ts), tracked in one registry, and stopped
 * on normal exit, on errors and on Ctrl-C. Nothing here outlives the run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Pinning, pinnedCommand } from './pinning.ts';

const EXIT_WITH_PARENT = fileURLToPath(new URL('./exit-with-parent.ts', import.meta.url));
const OUTPUT_TAIL_CHARS = 4000;

export interface Child {
  name: string;
  pid: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** The last few thousand characters the child wrote to stdout and stderr. */
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
  signal(signal: NodeJS.Signals): void;
  /** Sends an IPC message to the child. */
  send(message: string): void;
  /** The next IPC message from the child for which `match` holds. */
  nextMessage(match: (message: unknown) => boolean, timeoutMs: number): Promise<unknown>;
}

export interface StartOptions {
  name: string;
  /** node arguments after the preload: a script and its arguments, or flags then a script. */
  nodeArgs: string[];
  env: Record<string, string>;
  port: number;
  /** Which core the child runs on; unpinned without. */
  pinning?: Pinning;
  core?: number | undefined;
  /** Path answered with 200 when the child is ready. */
  readyPath?: string;
  readyTimeoutMs?: number;
  /** Called with every line the child writes to stdout (its last line too, when it exits). */
  onStdoutLine?: (line: string) => void;
  /** How long `stop()` waits after SIGTERM before SIGKILL. Default 3 s. */
  stopGraceMs?: number;
}

/** Every child still running, with how long it is given to stop. */
const running = new Map<ChildProcess, number>();

export async function startChild(options: StartOptions): Promise<Child> {
  const argv = [process.execPath, '--import', EXIT_WITH_PARENT, ...options.nodeArgs];
  const { command, args } = options.pinning
    ? pinnedCommand(options.pinning, options.core, argv)
    : { command: process.execPath, args: argv.slice(1) };
  const stopGraceMs = options.stopGraceMs ?? 3000;
  const proc = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.set(proc, stopGraceMs);
  let tail = '';
  let partialLine = '';
  const keep = (data: Buffer) => {
    tail = (tail + data.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  const onLine = options.onStdoutLine;
  proc.stdout?.on('data', (data: Buffer) => {
    keep(data);
    if (!onLine) return;
    const lines = (partialLine + data.toString('utf8')).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  proc.stderr?.on('data', keep);
  // Its last lines can arrive after the exit event: `stop()` waits for the end of stdout too.
  const stdoutEnded = new Promise<void>((resolve) => {
    if (!proc.stdout) return resolve();
    proc.stdout.once('close', () => {
      if (onLine && partialLine) onLine(partialLine);
      partialLine = '';
      resolve();
    });
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
  if (proc.pid === undefined) throw new Error(`${options.name}: could not start ${command}`);

  const url = `http://127.0.0.1:${options.port}`;
  const child: Child = {
    name: options.name,
    pid: proc.pid,
    url,
    output: () => tail,
    exited: () => hasExited,
    async stop() {
      if (!hasExited) {
        proc.kill('SIGTERM');
        const killed = setTimeout(() => proc.kill('SIGKILL'), stopGraceMs);
        await exit;
        clearTimeout(killed);
      }
      await Promise.race([stdoutEnded, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    },
    signal(signal) {
      proc.kill(signal);
    },
    send(message) {
      proc.send(message);
    },
    nextMessage(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          proc.off('message', onMessage);
          reject(new Error(`${options.name}: no expected message within ${timeoutMs} ms`));
        }, timeoutMs);
        const onMessage = (message: unknown) => {
          if (!match(message)) return;
          clearTimeout(timer);
          proc.off('message', onMessage);
          resolve(message);
        };
        proc.on('message', onMessage);
      });
    },
  };
  try {
    await waitUntilReady(child, `${url}${options.readyPath ?? '/health'}`, options.readyTimeoutMs ?? 20_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}

async function waitUntilReady(child: Child, url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < until) {
    if (child.exited()) throw new Error(`${child.name} exited before it was ready:\n${child.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${child.name} was not ready within ${timeoutMs} ms (${last}):\n${child.output()}`);
}

/** Process ids of the children still running. */
export function runningChildPids(): number[] {
  return [...running.keys()].flatMap((proc) => (proc.pid === undefined ? [] : [proc.pid]));
}

/** Stops every child still running (used on errors and signals). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all(
    [...running].map(
      ([proc, graceMs]) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          proc.once('exit', () => resolve());
          proc.kill('SIGTERM');
          setTimeout(() => proc.kill('SIGKILL'), graceMs).unref();
        }),
    ),
  );
}

/** Last resort on process exit: synchronous, so only SIGKILL. */
function killAllNow(): void {
  for (const proc of running.keys()) proc.kill('SIGKILL');
}

let installed = false;

/** Makes sure children die with this process: on exit, on Ctrl-C/SIGTERM and on an uncaught error. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping child processes`);
      void stopAllChildren().finally(() => process.exit(130));
    });
  }
  process.on('uncaughtException', (error) => {
    console.error('bench: uncaught error:', error);
    void stopAllChildren().finally(() => process.exit(1));
  });
  process.on('unhandledRejection', (error) => {
    console.error('bench: unhandled rejection:', error);
    void stopAllChildren().finally(() => process.exit(1));
  });
}
