/**
 * The overhead benchmark: what Switchyard adds on top of talking to the upstream directly, next to the
 * floor any Hono gateway on Node pays (bench/overhead/hono-floor.ts). Four subjects, each in its own process and
 * measured in the same run, interleaved over rounds: direct (the upstream itself), the Hono floor, and
 * Switchyard with the memory store and with the Redis store. See bench/README.md for the method.
 *
 *   node bench/overhead/overhead.ts            full run (about 7 minutes on 2 cores)
 *   node bench/overhead/overhead.ts --quick    one-minute check (fewer rounds, shorter runs, 200 streams only)
 *   options: --out FILE (JSON; a .md with the tables is written next to it), --cpu-prof (write V8 CPU
 *   profiles of the floor and Switchyard to bench/results/profiles/), --diagnose (add a fifth subject:
 *   Switchyard with `policy.streamInternally: always`, the cost of rebuilding JSON answers from streams),
 *   --strict (exit with status 3 when a target is missed, for CI)
 *
 * Talks only to 127.0.0.1; every loop and run is bounded; child processes are stopped on exit and errors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { type Child, installCleanup, runningChildPids, startChild, stopAllChildren } from '../lib/children.ts';
import { RESULTS_DIR } from '../lib/paths.ts';
import { type Pinning, setUpPinning } from '../lib/pinning.ts';
import { freePort } from '../lib/ports.ts';
import { memory } from '../lib/proc.ts';
import { ANSWER_TOKENS } from './fixtures.ts';
import { type LoadRun, runLoad } from './load.ts';
import {
  concurrentStreams,
  JSON_BODY,
  loadRun,
  type StreamSettings,
  sequentialStreams,
  streamBody,
  streamLifetimeMs,
  type Target,
} from './measure.ts';
import { monitorNoise } from './noise.ts';
import {
  computeFigures,
  evaluateTargets,
  markdownReport,
  type RawSubject,
  SUBJECT_LABELS,
  type SubjectId,
} from './report.ts';
import { runStream } from './stream-client.ts';
import { REDIS_URL, subjectCommand, UPSTREAM_SCRIPT, upstreamEnv, writeStreamInternallyConfig } from './subjects.ts';

interface Settings {
  mode: 'quick' | 'full';
  rounds: number;
  warmupSeconds: number;
  oneCallerSeconds: number;
  loadSeconds: number;
  loadConnections: number;
  streamRounds: number;
  streamCounts: number[];
  /** How long N streams are held open (restarted as they end) after the ramp, ms. */
  streamWindowMs: number;
  sequentialStreams: number;
  sequentialStreamChunks: number;
  stream: StreamSettings;
  /** The whole run is abandoned after this long, whatever happens. */
  deadlineMinutes: number;
}

const STREAM: StreamSettings = { ttfbMs: 50, intervalMs: 50, chunks: 40 };

const FULL: Settings = {
  mode: 'full',
  rounds: 5,
  warmupSeconds: 3,
  oneCallerSeconds: 4,
  loadSeconds: 6,
  loadConnections: 32,
  streamRounds: 2,
  streamCounts: [200, 1000],
  streamWindowMs: 4000,
  sequentialStreams: 30,
  sequentialStreamChunks: 2,
  stream: STREAM,
  deadlineMinutes: 20,
};

const QUICK: Settings = {
  mode: 'quick',
  rounds: 2,
  warmupSeconds: 1,
  oneCallerSeconds: 1,
  loadSeconds: 2,
  loadConnections: 32,
  streamRounds: 1,
  streamCounts: [200],
  streamWindowMs: 2000,
  sequentialStreams: 10,
  sequentialStreamChunks: 2,
  stream: STREAM,
  deadlineMinutes: 5,
};

const SUBJECTS: readonly SubjectId[] = [
  'direct',
  'hono-floor',
  'switchyard-memory',
  'switchyard-redis',
  'switchyard-limits',
];

interface Fleet {
  upstream: Child;
  targets: Map<SubjectId, Target>;
  children: Child[];
}

interface RunContext {
  settings: Settings;
  pinning: Pinning;
  subjects: SubjectId[];
  cpuProfileDir?: string;
  /** Config file for the diagnostic subject (streamInternally always). */
  streamInternallyConfig?: string;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function redisReachable(): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 6379 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString('utf8').startsWith('+PONG')));
  });
}

async function startFleet(context: RunContext, label: string): Promise<Fleet> {
  const { pinning, settings } = context;
  const children: Child[] = [];
  const upstreamPort = await freePort();
  const upstream = await startChild({
    name: 'upstream',
    nodeArgs: [UPSTREAM_SCRIPT],
    env: upstreamEnv(upstreamPort, settings.stream),
    port: upstreamPort,
    pinning,
    core: pinning.loadCore,
  });
  children.push(upstream);
  const targets = new Map<SubjectId, Target>();
  targets.set('direct', { url: upstream.url, pid: upstream.pid });
  try {
    for (const id of context.subjects) {
      if (id === 'direct') continue;
      const port = await freePort();
      const profile = context.cpuProfileDir
        ? ['--cpu-prof', `--cpu-prof-dir=${join(context.cpuProfileDir, `${id}-${label}`)}`]
        : [];
      const { script, env } = subjectCommand(id, {
        port,
        upstreamBase: `${upstream.url}/v1`,
        ...(context.streamInternallyConfig ? { streamInternallyConfig: context.streamInternallyConfig } : {}),
      });
      const child = await startChild({
        name: id,
        nodeArgs: [...profile, script],
        env,
        port,
        pinning,
        core: pinning.subjectCore,
      });
      children.push(child);
      targets.set(id, { url: child.url, pid: child.pid });
    }
  } catch (error) {
    await Promise.all(children.map((child) => child.stop()));
    throw error;
  }
  return { upstream, targets, children };
}

async function stopFleet(fleet: Fleet): Promise<void> {
  // Subjects first, so none of them sees its upstream vanish mid-request.
  await Promise.all(fleet.children.filter((child) => child !== fleet.upstream).map((child) => child.stop()));
  await fleet.upstream.stop();
}

/** Fails loudly before measuring anything if a subject does not answer correctly. */
async function smokeTest(id: SubjectId, target: Target, stream: StreamSettings): Promise<string> {
  const response = await fetch(`${target.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench-client' },
    body: JSON_BODY,
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  let content: unknown;
  try {
    content = (JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message
      ?.content;
  } catch {
    content = undefined;
  }
  if (response.status !== 200 || content !== ANSWER_TOKENS.join('')) {
    throw new Error(
      `${SUBJECT_LABELS[id]} answered a chat completion wrongly (HTTP ${response.status}): ${text.slice(0, 300)}`,
    );
  }
  const agent = new Agent({ keepAlive: false });
  const streamed = await runStream({
    url: target.url,
    body: streamBody(3),
    agent,
    expectedChunks: 3,
    timeoutMs: 10_000,
  });
  agent.destroy();
  if (!streamed.ok) throw new Error(`${SUBJECT_LABELS[id]} streamed wrongly: ${streamed.error ?? 'unknown'}`);
  // A stream that arrives faster than the upstream's pacing was not paced: the marker did not get through.
  if (streamed.ttftMs < stream.ttfbMs - 1 || (streamed.gapsMs[0] ?? 0) < stream.intervalMs / 2) {
    throw new Error(
      `${SUBJECT_LABELS[id]}: the stream was not paced (TTFT ${streamed.ttftMs.toFixed(1)} ms, gaps ${streamed.gapsMs.map((gap) => gap.toFixed(1)).join(', ')} ms)`,
    );
  }
  if (id === 'direct') return 'ok';
  const health = await fetch(`${target.url}/health`, { signal: AbortSignal.timeout(5000) });
  const body = await health.text();
  if (id === 'hono-floor') return 'ok';
  try {
    const parsed = JSON.parse(body) as { status?: unknown; store?: { type?: unknown; degraded?: unknown } };
    const summary = `health ${String(parsed.status)}, store ${String(parsed.store?.type)}${parsed.store?.degraded ? ' (DEGRADED)' : ''}`;
    if (id === 'switchyard-redis' && parsed.store?.type !== 'redis')
      throw new Error(`${SUBJECT_LABELS[id]} is not using the Redis store: ${summary}`);
    if (id === 'switchyard-limits' && !body.includes('"kind":"tpm"'))
      throw new Error(`${SUBJECT_LABELS[id]} shows no TPM budget in /health: ${summary}`);
    return summary;
  } catch (error) {
    if (error instanceof SyntaxError) return `health answered non-JSON: ${body.slice(0, 100)}`;
    throw error;
  }
}

function emptyRaw(): RawSubject {
  return { oneCaller: [], underLoad: [], peakRss: Number.NaN, sequentialStreams: [], phases: new Map() };
}

function describeRun(run: LoadRun): string {
  return `${run.requestsPerSecond.toFixed(0)} req/s, ${(run.cpuMs / run.requests).toFixed(3)} CPU ms/req${run.failures ? `, ${run.failures} FAILED` : ''}`;
}

async function jsonPhase(
  context: RunContext,
  raw: Map<SubjectId, RawSubject>,
  notes: Record<string, string>,
): Promise<void> {
  const { settings } = context;
  log(
    `\n== JSON requests: ${settings.rounds} rounds × (1 caller ${settings.oneCallerSeconds} s + ${settings.loadConnections} connections ${settings.loadSeconds} s) per subject`,
  );
  const fleet = await startFleet(context, 'json');
  try {
    for (const id of context.subjects) {
      const target = fleet.targets.get(id);
      if (!target) continue;
      const status = await smokeTest(id, target, settings.stream);
      if (id.startsWith('switchyard')) notes[id] = [notes[id], status].filter(Boolean).join('; ');
      log(`  ${SUBJECT_LABELS[id]}: pid ${target.pid}, ${status}`);
    }
    log(`  warm-up: ${settings.warmupSeconds} s at ${settings.loadConnections} connections per subject`);
    for (const id of context.subjects) {
      const target = fleet.targets.get(id);
      if (target) await loadRun(target, settings.loadConnections, settings.warmupSeconds);
    }
    for (let round = 0; round < settings.rounds; round++) {
      for (const id of rotate(context.subjects, round)) {
        const target = fleet.targets.get(id);
        const subject = raw.get(id);
        if (!target || !subject) continue;
        const one = await loadRun(target, 1, settings.oneCallerSeconds);
        const load = await loadRun(target, settings.loadConnections, settings.loadSeconds);
        subject.oneCaller.push(one);
        subject.underLoad.push(load);
        log(
          `  round ${round + 1}/${settings.rounds} ${SUBJECT_LABELS[id].padEnd(26)} 1 caller: ${describeRun(one)} | ${settings.loadConnections} conn: ${describeRun(load)}`,
        );
      }
    }
    for (const id of context.subjects) {
      const target = fleet.targets.get(id);
      const subject = raw.get(id);
      if (target && subject) subject.peakRss = memory(target.pid).peakRss;
    }
  } finally {
    await stopFleet(fleet);
  }
}

async function streamPhase(context: RunContext, raw: Map<SubjectId, RawSubject>): Promise<void> {
  const { settings } = context;
  const { stream } = settings;
  log(
    `\n== Streams: ${settings.streamRounds} round(s), fresh processes each round; ${settings.streamCounts.join(' and ')} streams kept open for ${settings.streamWindowMs} ms after a ${streamLifetimeMs(stream)} ms ramp; each ${stream.chunks} chunks, one every ${stream.intervalMs} ms after TTFB ${stream.ttfbMs} ms`,
  );
  for (let round = 0; round < settings.streamRounds; round++) {
    const fleet = await startFleet(context, `streams-${round + 1}`);
    try {
      for (const id of rotate(context.subjects, round)) {
        const target = fleet.targets.get(id);
        const subject = raw.get(id);
        if (!target || !subject) continue;
        // Warm the JSON and the streaming paths gently (a loaded warm-up grows the heap, and a later RSS
        // reading would hide the streams' memory in that headroom), then let it settle before reading idle RSS.
        await runLoad({
          url: target.url,
          pid: target.pid,
          body: JSON_BODY,
          connections: 1,
          durationSeconds: 10,
          amount: 50,
        });
        await sequentialStreams(target, stream, 20, settings.sequentialStreamChunks);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const idleRss = memory(target.pid).rss;
        const sequential = await sequentialStreams(
          target,
          stream,
          settings.sequentialStreams,
          settings.sequentialStreamChunks,
        );
        subject.sequentialStreams.push(...sequential);
        const parts = [`idle RSS ${(idleRss / 1048576).toFixed(1)} MB`];
        for (const count of settings.streamCounts) {
          const phase = await concurrentStreams(target, stream, count, settings.streamWindowMs);
          const runs = subject.phases.get(count) ?? [];
          runs.push({ ...phase, idleRss });
          subject.phases.set(count, runs);
          const failed = phase.failed.length;
          parts.push(
            `${count} streams: RSS ${(phase.peakRss / 1048576).toFixed(1)} MB, ${phase.results.length} measured${failed ? `, ${failed} FAILED (${phase.failed[0]?.error ?? ''})` : ''}`,
          );
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        log(`  round ${round + 1}/${settings.streamRounds} ${SUBJECT_LABELS[id].padEnd(26)} ${parts.join(' | ')}`);
      }
    } finally {
      await stopFleet(fleet);
    }
  }
}

async function main(): Promise<number> {
  installCleanup();
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      diagnose: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
    },
  });
  const settings = values.quick ? QUICK : FULL;
  const outFile = values.out ?? join(RESULTS_DIR, settings.mode === 'quick' ? 'overhead-quick.json' : 'overhead.json');
  const deadline = setTimeout(() => {
    log(`\nbench: the run exceeded ${settings.deadlineMinutes} minutes; stopping`);
    void stopAllChildren().finally(() => process.exit(2));
  }, settings.deadlineMinutes * 60_000);
  deadline.unref();

  const cores = availableParallelism();
  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  const pinning = setUpPinning();
  const subjects = [...SUBJECTS];
  const notes: Record<string, string> = {
    'switchyard-memory':
      'defaults (a JSON request is one JSON call upstream, relayed as it came; streams relayed byte for byte; undici transport)',
    'switchyard-redis': `defaults, REDIS_URL=${REDIS_URL} (key prefix switchyard:)`,
    'switchyard-limits':
      'memory store, OPENAI_RPM and OPENAI_TPM 1e9, OPENAI_MAX_CONCURRENCY 1e6: every check and charge runs, nothing waits',
  };
  if (!(await redisReachable())) {
    subjects.splice(subjects.indexOf('switchyard-redis'), 1);
    notes['switchyard-redis'] = `NOT RUN: no Redis answering PING at ${REDIS_URL}`;
  }
  const cpuProfileDir = values['cpu-prof'] ? join(RESULTS_DIR, 'profiles') : undefined;
  let streamInternallyConfig: string | undefined;
  if (values.diagnose) {
    streamInternallyConfig = writeStreamInternallyConfig();
    subjects.push('switchyard-stream-internally');
    notes['switchyard-stream-internally'] =
      'diagnostic only, no targets: SWITCHYARD_CONFIG with policy.streamInternally always (a JSON request is streamed upstream and rebuilt)';
  }
  const context: RunContext = {
    settings,
    pinning,
    subjects,
    ...(cpuProfileDir ? { cpuProfileDir } : {}),
    ...(streamInternallyConfig ? { streamInternallyConfig } : {}),
  };
  const started = new Date();
  log(`Switchyard overhead benchmark (${settings.mode}), Node ${process.version}, ${cores} cores (${cpuModel})`);
  log(pinning.note);
  if (!subjects.includes('switchyard-redis')) log(`Switchyard (Redis store): ${notes['switchyard-redis'] ?? ''}`);

  const raw = new Map<SubjectId, RawSubject>(subjects.map((id) => [id, emptyRaw()]));
  const noiseMonitor = monitorNoise(runningChildPids);
  await jsonPhase(context, raw, notes);
  await streamPhase(context, raw);
  const noise = noiseMonitor.stop();
  const noisy = noise.meanCorePercent > 5 || noise.busySeconds > noise.seconds / 10;
  const noiseLine =
    `Other processes on the machine used ${noise.meanCorePercent.toFixed(1)}% of a core on average (max ${noise.maxCorePercent.toFixed(0)}% in one second; ` +
    `over 25% in ${noise.busySeconds} of ${noise.seconds} s)${noisy ? ': **a noisy run, latencies and memory are not trustworthy; rerun on a quiet machine**' : ': a quiet run'}.`;
  if (noisy) log(`\nWARNING: ${noiseLine}`);

  const figures = computeFigures(raw, settings.streamCounts, settings.stream.intervalMs);
  const memoryStreams = Math.max(...settings.streamCounts);
  const targets = evaluateTargets(figures, memoryStreams);
  const table = markdownReport(figures, targets, settings.stream, settings.loadConnections);
  const minutes = (Date.now() - started.getTime()) / 60_000;
  const met = targets.filter((target) => target.pass === true).length;
  const missed = targets.filter((target) => target.pass === false).length;
  const header = [
    `## Switchyard overhead (${settings.mode}, ${started.toISOString()}, ${minutes.toFixed(1)} min)`,
    '',
    `Node ${process.version}, ${cores} cores (${cpuModel}). ${pinning.note}.`,
    noiseLine,
    `Targets met: ${met} of ${targets.length}${missed ? ` (${missed} MISSED)` : ''}.`,
    '',
    ...[...SUBJECTS, 'switchyard-stream-internally' as const]
      .filter((id) => notes[id])
      .map((id) => `- ${SUBJECT_LABELS[id]}: ${notes[id] ?? ''}`),
    '',
  ].join('\n');
  const markdown = `${header}\n${table}\n`;
  process.stdout.write(`\n${markdown}`);

  mkdirSync(dirname(outFile), { recursive: true });
  const result = {
    benchmark: 'switchyard-overhead',
    mode: settings.mode,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: {
      node: process.version,
      cores,
      cpu: cpuModel,
      pinning,
      otherProcesses: noise,
    },
    settings: { ...settings, redisUrl: REDIS_URL },
    notes,
    subjects: figures,
    targets,
  };
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${outFile.replace(/\.json$/, '')}.md`, markdown);
  log(
    `\nwrote ${relative(process.cwd(), outFile)} and ${relative(process.cwd(), `${outFile.replace(/\.json$/, '')}.md`)}`,
  );
  return values.strict && missed > 0 ? 3 : 0;
}

main()
  .then(async (status) => {
    await stopAllChildren();
    process.exit(status);
  })
  .catch(async (error: unknown) => {
    log(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopAllChildren();
    process.exit(1);
  });
