/**
 * Where the time goes, per request: profiles subjects over exactly the measured requests (after warm-up) and
 * prints the CPU per request by layer (Hono, undici fetch, openai SDK, Switchyard's own files, GC, ...),
 * side by side, so a gap to the floor can be pinned on a layer. Uses the same upstream, subjects and pinning
 * as bench/overhead/overhead.ts. Investigation only; `npm run bench` does not run it.
 *
 *   node bench/overhead/profile.ts [--subjects hono-floor,switchyard-memory,switchyard-stream-internally]
 *                         [--kind json|stream] [--requests 6000] [--streams 200] [--top 15]
 *                         [--save DIR]   (keep the .cpuprofile files, e.g. for bench/overhead/summarize-profile.ts)
 *
 * The sampling profiler adds its own cost; compare subjects with each other, not with overhead.ts figures.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Child, installCleanup, startChild, stopAllChildren } from '../lib/children.ts';
import { type Pinning, setUpPinning } from '../lib/pinning.ts';
import { freePort } from '../lib/ports.ts';
import { cpuTimeMs } from '../lib/proc.ts';
import { runLoad } from './load.ts';
import { concurrentStreams, JSON_BODY, loadRun, type StreamSettings, sequentialStreams } from './measure.ts';
import { SUBJECT_LABELS, type SubjectId } from './report.ts';
import { subjectCommand, UPSTREAM_SCRIPT, upstreamEnv, writeStreamInternallyConfig } from './subjects.ts';
import { type CpuProfile, type ProfileSummary, summarizeProfile } from './summarize-profile.ts';

const PROFILE_PRELOAD = fileURLToPath(new URL('./profile-on-signal.ts', import.meta.url));
const STREAM: StreamSettings = { ttfbMs: 50, intervalMs: 50, chunks: 40 };
type ProxyId = Exclude<SubjectId, 'direct'>;

interface Profiled {
  id: ProxyId;
  /** Requests (JSON) or streams ended in the window (stream). */
  units: number;
  cpuMsPerUnit: number;
  summary: ProfileSummary;
}

function isMessage(kind: string): (message: unknown) => boolean {
  return (message) =>
    typeof message === 'object' && message !== null && (message as { profiling?: unknown }).profiling === kind;
}

async function profileSubject(
  id: ProxyId,
  pinning: Pinning,
  options: {
    kind: 'json' | 'stream';
    requests: number;
    streams: number;
    streamInternallyConfig?: string;
    saveDir?: string;
  },
): Promise<Profiled> {
  const children: Child[] = [];
  const dir = options.saveDir ?? mkdtempSync(join(tmpdir(), 'switchyard-profile-'));
  try {
    const upstreamPort = await freePort();
    const upstream = await startChild({
      name: 'upstream',
      nodeArgs: [UPSTREAM_SCRIPT],
      env: upstreamEnv(upstreamPort, STREAM),
      port: upstreamPort,
      pinning,
      core: pinning.loadCore,
    });
    children.push(upstream);
    const port = await freePort();
    const { script, env } = subjectCommand(id, {
      port,
      upstreamBase: `${upstream.url}/v1`,
      ...(options.streamInternallyConfig ? { streamInternallyConfig: options.streamInternallyConfig } : {}),
    });
    const file = join(dir, `${id}-${options.kind}.cpuprofile`);
    const subject = await startChild({
      name: id,
      nodeArgs: ['--import', PROFILE_PRELOAD, script],
      env: { ...env, BENCH_PROFILE_FILE: file },
      port,
      pinning,
      core: pinning.subjectCore,
    });
    children.push(subject);
    const target = { url: subject.url, pid: subject.pid };
    process.stderr.write(`${SUBJECT_LABELS[id]}: warming up\n`);
    await loadRun(target, 32, 3);
    if (options.kind === 'stream') await sequentialStreams(target, STREAM, 10, 2);

    const started = subject.nextMessage(isMessage('started'), 5000);
    subject.signal('SIGUSR2');
    await started;
    const cpuBefore = cpuTimeMs(subject.pid);
    let units: number;
    if (options.kind === 'json') {
      const run = await runLoad({
        url: target.url,
        pid: target.pid,
        body: JSON_BODY,
        connections: 32,
        durationSeconds: 60,
        amount: options.requests,
      });
      units = run.requests;
    } else {
      // The profile spans ramp, window and drain: charge it to every stream run in the phase.
      const phase = await concurrentStreams(target, STREAM, options.streams, 4000);
      units = phase.total;
    }
    const cpuMs = cpuTimeMs(subject.pid) - cpuBefore;
    const written = subject.nextMessage(isMessage('written'), 30_000);
    subject.signal('SIGUSR2');
    await written;
    const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    return { id, units, cpuMsPerUnit: cpuMs / units, summary };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    if (!options.saveDir) rmSync(dir, { recursive: true, force: true });
  }
}

function table(
  results: Profiled[],
  pick: (summary: ProfileSummary) => Array<[string, number]>,
  top: number,
  unit: string,
): string {
  const totals = new Map<string, number>();
  for (const result of results) {
    for (const [name, ms] of pick(result.summary)) totals.set(name, Math.max(totals.get(name) ?? 0, ms / result.units));
  }
  const rows = [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name]) => name);
  const lines = [
    `| ${unit} | ${results.map((result) => SUBJECT_LABELS[result.id]).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
  ];
  for (const name of rows) {
    const cells = results.map((result) => {
      const ms = pick(result.summary).find(([entry]) => entry === name)?.[1] ?? 0;
      return `${((ms / result.units) * 1000).toFixed(0)} µs`;
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  installCleanup();
  const { values } = parseArgs({
    options: {
      subjects: { type: 'string', default: 'hono-floor,switchyard-memory,switchyard-stream-internally' },
      kind: { type: 'string', default: 'json' },
      requests: { type: 'string', default: '6000' },
      streams: { type: 'string', default: '200' },
      top: { type: 'string', default: '15' },
      save: { type: 'string' },
    },
  });
  const kind = values.kind === 'stream' ? 'stream' : 'json';
  const ids = values.subjects.split(',').map((id) => id.trim()) as ProxyId[];
  for (const id of ids)
    if (!(id in SUBJECT_LABELS) || (id as SubjectId) === 'direct') throw new Error(`unknown subject ${id}`);
  const pinning = setUpPinning();
  process.stderr.write(`${pinning.note}\n`);
  const streamInternallyConfig = ids.includes('switchyard-stream-internally')
    ? writeStreamInternallyConfig()
    : undefined;
  const results: Profiled[] = [];
  for (const id of ids) {
    results.push(
      await profileSubject(id, pinning, {
        kind,
        requests: Number(values.requests),
        streams: Number(values.streams),
        ...(streamInternallyConfig ? { streamInternallyConfig } : {}),
        ...(values.save ? { saveDir: values.save } : {}),
      }),
    );
  }
  const unit =
    kind === 'json' ? 'per JSON request' : `per stream (${values.streams} concurrent, ${STREAM.chunks} chunks)`;
  const top = Number(values.top);
  console.log(
    `\nCPU ${unit} (from /proc, while profiling): ${results.map((result) => `${SUBJECT_LABELS[result.id]} ${result.cpuMsPerUnit.toFixed(3)} ms`).join(', ')}`,
  );
  console.log(
    `Profiled samples ${unit}: ${results.map((result) => `${SUBJECT_LABELS[result.id]} ${(result.summary.totalMs / result.units).toFixed(3)} ms`).join(', ')}\n`,
  );
  console.log(`#### Self time by layer, ${unit}\n\n${table(results, (summary) => summary.byCategory, top, 'layer')}\n`);
  console.log(`#### Self time by module, ${unit}\n\n${table(results, (summary) => summary.byModule, top, 'module')}\n`);
  console.log(
    `#### Inclusive time by function, ${unit}\n\n${table(results, (summary) => summary.byInclusive, top * 2, 'function')}\n`,
  );
}

main()
  .then(async () => {
    await stopAllChildren();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(
      `profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await stopAllChildren();
    process.exit(1);
  });
