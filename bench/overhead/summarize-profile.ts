/**
 * Where a subject's CPU goes: reads a V8 .cpuprofile (from `node bench/overhead/overhead.ts --cpu-prof`, or any
 * `node --cpu-prof` run) and prints self time by module (npm package, project file, node internals) and the
 * top functions by self and by inclusive time. Idle time is left out of the shares.
 *
 *   node bench/overhead/summarize-profile.ts FILE.cpuprofile [--top 25] [--filter src/]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT_URL = new URL('../..', import.meta.url).href;

/** The module a frame belongs to: an npm package, a project file, a node internal area, or a V8 pseudo-frame. */
export function moduleOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch?.[1]) return packageMatch[1];
  if (url.startsWith(ROOT_URL)) return url.slice(ROOT_URL.length);
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url;
}

/** A coarser grouping of modules, for comparing subjects: which layer of the stack the time is spent in. */
export function categoryOf(module: string): string {
  if (module === 'hono' || module === '@hono/node-server') return 'Hono + @hono/node-server';
  if (module === 'openai') return 'openai SDK';
  if (module === 'node:internal/deps') return 'undici (fetch)';
  if (module === 'node:internal/webstreams') return 'web streams';
  if (module === '((garbage collector))') return 'garbage collector';
  if (/^node:internal\/(abort_controller|event_target)$/.test(module)) return 'AbortSignal / EventTarget';
  if (module === '(runMicrotasks)' || module === 'node:internal/process' || module === 'node:internal/async_hooks')
    return 'promises / microtasks / nextTick';
  if (
    /^node:(_http_|net$|internal\/(streams|stream_base_commons|http)|events$)/.test(module) ||
    /^\((writev|writeUtf8String|writeLatin1String|writeBuffer|parse|execute|consume)\)$/.test(module)
  ) {
    return 'node http / net / streams';
  }
  if (
    /^node:internal\/(encoding|buffer)$/.test(module) ||
    module === 'node:buffer' ||
    /^\((decodeUTF8|set TextDecoder|encodeInto|encodeUtf8String)\)$/.test(module)
  )
    return 'text encoding / buffers';
  if (/^node:internal\/(timers)$/.test(module) || module === 'node:timers' || module === '(getLibuvNow)')
    return 'timers';
  if (module.startsWith('src/') || module.startsWith('providers/')) return `switchyard ${module}`;
  if (module.startsWith('bench/')) return 'bench';
  return 'other';
}

function frameName(frame: CallFrame): string {
  const where = frame.url ? `${moduleOf(frame.url, frame.functionName)}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

function isIdle(frame: CallFrame): boolean {
  return frame.url === '' && (frame.functionName === '(idle)' || frame.functionName === '(program)');
}

export interface ProfileSummary {
  totalMs: number;
  byCategory: Array<[string, number]>;
  byModule: Array<[string, number]>;
  bySelf: Array<[string, number]>;
  byInclusive: Array<[string, number]>;
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const moduleTime = new Map<string, number>();
  const categoryTime = new Map<string, number>();
  const selfTime = new Map<string, number>();
  const inclusiveTime = new Map<string, number>();
  let totalMs = 0;
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    if (!node || isIdle(node.callFrame)) return;
    totalMs += ms;
    const module = moduleOf(node.callFrame.url, node.callFrame.functionName);
    add(moduleTime, module, ms);
    add(categoryTime, categoryOf(module), ms);
    add(selfTime, frameName(node.callFrame), ms);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      const name = frameName(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      add(inclusiveTime, name, ms);
    }
  });
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return {
    totalMs,
    byCategory: sorted(categoryTime),
    byModule: sorted(moduleTime),
    bySelf: sorted(selfTime),
    byInclusive: sorted(inclusiveTime),
  };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, filter: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) {
    console.error('usage: node bench/overhead/summarize-profile.ts FILE.cpuprofile [--top 25] [--filter src/]');
    process.exit(2);
  }
  const top = Number(values.top);
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const keep = (entries: Array<[string, number]>) =>
    values.filter ? entries.filter(([name]) => name.includes(values.filter ?? '')) : entries;
  const print = (title: string, entries: Array<[string, number]>) => {
    console.log(`\n${title}`);
    for (const [name, ms] of keep(entries).slice(0, top)) {
      console.log(`${ms.toFixed(0).padStart(8)} ms ${((ms / summary.totalMs) * 100).toFixed(1).padStart(5)}%  ${name}`);
    }
  };
  console.log(`${file}: ${summary.totalMs.toFixed(0)} ms of CPU samples (idle excluded)`);
  print('Self time by layer', summary.byCategory);
  print('Self time by module', summary.byModule);
  print('Self time by function', summary.bySelf);
  print('Inclusive time by function', summary.byInclusive);
}

if (import.meta.main) main();
