/**
 * How each subject is started: which script, with which environment. Shared by the overhead run and the
 * profiler so both measure the same processes.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_SCRIPT } from '../lib/paths.ts';
import type { SubjectId } from './report.ts';

/** This benchmark's own scripts (the upstream, the Hono floor) sit next to this file. */
const OVERHEAD_DIR = import.meta.dirname;
export const UPSTREAM_SCRIPT = join(OVERHEAD_DIR, 'upstream.ts');
export const REDIS_URL = 'redis://127.0.0.1:6379';
/** A placeholder key: the upstream is a loopback mock and never checks it. */
const BENCH_PROVIDER_KEY = 'sk-bench-loopback-placeholder';

export interface SubjectCommand {
  script: string;
  env: Record<string, string>;
}

export interface SubjectContext {
  port: number;
  /** http://127.0.0.1:UPSTREAM/v1 */
  upstreamBase: string;
  /** Config file that streams every JSON request internally (the diagnostic subject). */
  streamInternallyConfig?: string;
}

export function subjectCommand(id: Exclude<SubjectId, 'direct'>, context: SubjectContext): SubjectCommand {
  const port = String(context.port);
  if (id === 'hono-floor') {
    return {
      script: join(OVERHEAD_DIR, 'hono-floor.ts'),
      env: { PORT: port, UPSTREAM_BASE_URL: context.upstreamBase, OPENAI_API_KEY: BENCH_PROVIDER_KEY },
    };
  }
  return {
    script: GATEWAY_SCRIPT,
    env: {
      PORT: port,
      HOST: '127.0.0.1',
      OPENAI_API_KEY: BENCH_PROVIDER_KEY,
      OPENAI_BASE_URL: context.upstreamBase,
      // Per-request log lines are info; keep their cost (and the pipe) out of the measurement.
      SWITCHYARD_LOG_LEVEL: 'warn',
      ...(id === 'switchyard-redis' ? { REDIS_URL } : {}),
      // Budgets far above any load: every request pays every check and charge (tokens counted), none waits.
      ...(id === 'switchyard-limits'
        ? { OPENAI_RPM: '1000000000', OPENAI_TPM: '1000000000', OPENAI_MAX_CONCURRENCY: '1000000' }
        : {}),
      ...(id === 'switchyard-stream-internally' && context.streamInternallyConfig
        ? { SWITCHYARD_CONFIG: context.streamInternallyConfig }
        : {}),
    },
  };
}

/** Writes the diagnostic subject's config file (removed when this process exits) and returns its path. */
export function writeStreamInternallyConfig(): string {
  const path = join(tmpdir(), `switchyard-bench-${process.pid}.json`);
  writeFileSync(path, JSON.stringify({ policy: { streamInternally: 'always' } }));
  process.on('exit', () => rmSync(path, { force: true }));
  return path;
}

export function upstreamEnv(
  port: number,
  stream: { ttfbMs: number; intervalMs: number; chunks: number },
): Record<string, string> {
  return {
    PORT: String(port),
    BENCH_TTFB_MS: String(stream.ttfbMs),
    BENCH_INTERVAL_MS: String(stream.intervalMs),
    BENCH_CHUNKS: String(stream.chunks),
  };
}
