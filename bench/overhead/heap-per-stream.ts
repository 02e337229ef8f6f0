/**
 * What one open stream keeps alive: heap snapshots of a subject at idle and with N streams open
 * (`node --heapsnapshot-signal`), diffed by constructor, per stream. RSS says how much memory streams cost;
 * this says which objects they are. Investigation only; `npm run bench` does not run it.
 *
 *   node bench/overhead/heap-per-stream.ts [--subjects hono-floor,switchyard-memory] [--streams 200] [--top 20]
 *
 * Snapshots only count live objects (V8 collects garbage first), so the total is below the RSS growth
 * overhead.ts reports: the difference is heap headroom and garbage.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Child, installCleanup, startChild, stopAllChildren } from '../lib/children.ts';
import { type Pinning, setUpPinning } from '../lib/pinning.ts';
import { freePort } from '../lib/ports.ts';
import { runLoad } from './load.ts';
import { concurrentStreams, JSON_BODY, type StreamSettings, sequentialStreams, streamLifetimeMs } from './measure.ts';
import { SUBJECT_LABELS, type SubjectId } from './report.ts';
import { subjectCommand, UPSTREAM_SCRIPT, upstreamEnv } from './subjects.ts';

const STREAM: StreamSettings = { ttfbMs: 50, intervalMs: 50, chunks: 40 };
type ProxyId = Exclude<SubjectId, 'direct'>;

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

interface Tally {
  bytes: number;
  count: number;
}

/** Self size and count of live heap objects, by constructor (objects, closures, native) or by V8 type. */
export function tallyByConstructor(snapshot: HeapSnapshot): Map<string, Tally> {
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeIndex = fields.indexOf('type');
  const nameIndex = fields.indexOf('name');
  const sizeIndex = fields.indexOf('self_size');
  const types = (snapshot.snapshot.meta.node_types[0] ?? []) as string[];
  const out = new Map<string, Tally>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeIndex] ?? -1] ?? '?';
    const name = snapshot.strings[snapshot.nodes[i + nameIndex] ?? -1] ?? '?';
    const key =
      type === 'object' || type === 'native'
        ? name
        : type === 'closure'
          ? `closure ${name || '(anonymous)'}`
          : `(${type})`;
    const tally = out.get(key) ?? { bytes: 0, count: 0 };
    tally.bytes += snapshot.nodes[i + sizeIndex] ?? 0;
    tally.count += 1;
    out.set(key, tally);
  }
  return out;
}

async function waitForSnapshots(dir: string, count: number): Promise<string[]> {
  for (let i = 0; i < 600; i++) {
    const files = readdirSync(dir)
      .filter((file) => file.endsWith('.heapsnapshot'))
      .sort();
    // A snapshot is written in one go, but give the writer a moment after the file appears.
    if (files.length >= count) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return files.map((file) => join(dir, file));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no heap snapshot appeared in ${dir}`);
}

async function measure(id: ProxyId, pinning: Pinning, streams: number, top: number): Promise<void> {
  const children: Child[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-heap-'));
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
    const { script, env } = subjectCommand(id, { port, upstreamBase: `${upstream.url}/v1` });
    const subject = await startChild({
      name: id,
      nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`, script],
      env,
      port,
      pinning,
      core: pinning.subjectCore,
    });
    children.push(subject);
    const target = { url: subject.url, pid: subject.pid };
    await runLoad({
      url: target.url,
      pid: target.pid,
      body: JSON_BODY,
      connections: 1,
      durationSeconds: 10,
      amount: 50,
    });
    await sequentialStreams(target, STREAM, 20, 2);
    subject.signal('SIGUSR2');
    await waitForSnapshots(dir, 1);
    // Snapshot again once every caller has a stream open (after the ramp), while they are still open.
    const phase = concurrentStreams(target, STREAM, streams, 3000);
    await new Promise((resolve) => setTimeout(resolve, streamLifetimeMs(STREAM) + 1000));
    subject.signal('SIGUSR2');
    await phase;
    const [idleFile, busyFile] = await waitForSnapshots(dir, 2);
    if (!idleFile || !busyFile) throw new Error('missing heap snapshot');
    const idle = tallyByConstructor(JSON.parse(readFileSync(idleFile, 'utf8')) as HeapSnapshot);
    const busy = tallyByConstructor(JSON.parse(readFileSync(busyFile, 'utf8')) as HeapSnapshot);
    const growth = [...busy].map(([name, tally]) => ({
      name,
      bytes: tally.bytes - (idle.get(name)?.bytes ?? 0),
      count: tally.count - (idle.get(name)?.count ?? 0),
    }));
    growth.sort((a, b) => b.bytes - a.bytes);
    const total = growth.reduce((sum, entry) => sum + entry.bytes, 0);
    console.log(
      `\n${SUBJECT_LABELS[id]}: live heap +${(total / 1048576).toFixed(2)} MB with ${streams} streams open = ${(total / streams / 1024).toFixed(1)} KB per stream`,
    );
    console.log('| bytes / stream | objects / stream | constructor |\n|---:|---:|---|');
    for (const entry of growth.slice(0, top)) {
      console.log(`| ${(entry.bytes / streams).toFixed(0)} | ${(entry.count / streams).toFixed(1)} | ${entry.name} |`);
    }
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  installCleanup();
  const { values } = parseArgs({
    options: {
      subjects: { type: 'string', default: 'hono-floor,switchyard-memory' },
      streams: { type: 'string', default: '200' },
      top: { type: 'string', default: '20' },
    },
  });
  const ids = values.subjects.split(',').map((id) => id.trim()) as ProxyId[];
  for (const id of ids) {
    // streamInternally only changes JSON requests; streams are the same with it off.
    if (!(id in SUBJECT_LABELS) || (id as SubjectId) === 'direct' || id === 'switchyard-stream-internally')
      throw new Error(`unsupported subject ${id}`);
  }
  const pinning = setUpPinning();
  for (const id of ids) await measure(id, pinning, Number(values.streams), Number(values.top));
}

main()
  .then(async () => {
    await stopAllChildren();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(
      `heap-per-stream failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await stopAllChildren();
    process.exit(1);
  });
