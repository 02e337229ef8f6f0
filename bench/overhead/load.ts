/**
 * One measured load run with autocannon, run in this process. autocannon's own latency histogram has 1 ms
 * resolution, too coarse for sub-millisecond differences, so every response time (process.hrtime, from the
 * request written to the response read) is also collected from its `response` event. The subject's CPU time
 * is read from /proc before and after the run.
 */
import autocannon from 'autocannon';
import { cpuTimeMs } from '../lib/proc.ts';

export interface LoadOptions {
  url: string;
  body: string;
  connections: number;
  durationSeconds: number;
  /** Stop after this many requests instead of after the duration. */
  amount?: number;
  /** Process whose CPU time is charged to the run. */
  pid: number;
}

export interface LoadRun {
  connections: number;
  /** 2xx responses completed. */
  requests: number;
  failures: number;
  elapsedSeconds: number;
  requestsPerSecond: number;
  /** Response time of every 2xx response, ms. */
  latenciesMs: number[];
  /** Subject CPU (user + system) over the run, ms. */
  cpuMs: number;
}

/** After the run, requests cut off mid-flight are still being wound down by the subject; count that too. */
const SETTLE_MS = 100;

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const latenciesMs: number[] = [];
  let failures = 0;
  const cpuBefore = cpuTimeMs(options.pid);
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${options.url}/v1/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench-client' },
        body: options.body,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationSeconds,
        ...(options.amount ? { amount: options.amount } : {}),
        timeout: 10,
      },
      (error, done) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime);
      else failures += 1;
    });
  });
  const elapsedSeconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const cpuMs = cpuTimeMs(options.pid) - cpuBefore;
  return {
    connections: options.connections,
    requests: latenciesMs.length,
    failures: failures + result.errors,
    elapsedSeconds,
    requestsPerSecond: latenciesMs.length / elapsedSeconds,
    latenciesMs,
    cpuMs,
  };
}
