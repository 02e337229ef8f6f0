/**
 * Keeps the load generator and the subject off each other's core. On a machine with at least two usable
 * cores and util-linux `taskset`, this process (load generator, streaming client, upstream) is pinned to
 * one core and each subject to another; otherwise nothing is pinned and the report says why.
 */
import { execFileSync } from 'node:child_process';

export interface Pinning {
  enabled: boolean;
  /** Core of this process (load generator and client) and of the loopback upstream. */
  loadCore?: number;
  /** Core of the subject under measurement. */
  subjectCore?: number;
  note: string;
}

export function setUpPinning(): Pinning {
  let allowed: number[];
  try {
    const out = execFileSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' });
    allowed = parseCpuList(out.slice(out.lastIndexOf(':') + 1).trim());
  } catch {
    return {
      enabled: false,
      note: 'not pinned: `taskset` (util-linux) is not available, so the load generator and the subject share all cores',
    };
  }
  if (allowed.length < 2) {
    return {
      enabled: false,
      note: `not pinned: only ${allowed.length} usable core(s), so the load generator and the subject share it`,
    };
  }
  const loadCore = allowed[0] as number;
  const subjectCore = allowed[allowed.length - 1] as number;
  try {
    // -a: every thread of this process (libuv pool, GC helpers), not only the main thread.
    execFileSync('taskset', ['-a', '-c', '-p', String(loadCore), String(process.pid)], { stdio: 'ignore' });
  } catch (error) {
    return {
      enabled: false,
      note: `not pinned: taskset could not pin this process (${(error as Error).message.split('\n')[0]})`,
    };
  }
  const spare = allowed.length > 2 ? `; ${allowed.length - 2} more core(s) left unused` : '';
  return {
    enabled: true,
    loadCore,
    subjectCore,
    note: `pinned with taskset: load generator, client and upstream on core ${loadCore}, subject on core ${subjectCore}${spare}`,
  };
}

/** The command line that starts `argv` on `core` (or unpinned). */
export function pinnedCommand(
  pinning: Pinning,
  core: number | undefined,
  argv: readonly string[],
): { command: string; args: string[] } {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('empty command line');
  if (!pinning.enabled || core === undefined) return { command, args };
  return { command: 'taskset', args: ['-c', String(core), command, ...args] };
}

/** "0-2,5" → [0, 1, 2, 5] */
export function parseCpuList(list: string): number[] {
  const cores: number[] = [];
  for (const part of list.split(',')) {
    const [from, to] = part.split('-').map((value) => Number(value.trim()));
    if (from === undefined || !Number.isInteger(from)) continue;
    const last = to !== undefined && Number.isInteger(to) ? to : from;
    for (let core = from; core <= last; core++) cores.push(core);
  }
  return cores;
}
