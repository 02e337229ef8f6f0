/**
 * What the kernel says about a subject process: CPU time (utime + stime from /proc/<pid>/stat, all threads
 * including GC and libuv workers) and memory (VmRSS, VmHWM from /proc/<pid>/status). Linux only; elsewhere
 * the figures are NaN and the report says so.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of utime/stime: 100 on nearly every Linux, asked of getconf to be sure. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond !== undefined) return ticksPerSecond;
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** CPU time the process has used so far (user + system), in milliseconds; NaN when /proc is not there. */
export function cpuTimeMs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return Number.NaN;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicksPerSecond();
}

/**
 * CPU time the process's threads have used so far, ms, to the nanosecond: the sum of each thread's
 * sum_exec_runtime (first field of /proc/<pid>/task/<tid>/schedstat). utime/stime count in clock ticks
 * (10 ms), too coarse for one request; this misses only threads that have already exited. NaN without /proc.
 */
export function threadCpuTimeMs(pid: number): number {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return Number.NaN;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}

export interface Memory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size since start (or since the last resetPeakRss), bytes. */
  peakRss: number;
}

export function memory(pid: number): Memory {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rss: Number.NaN, peakRss: Number.NaN };
  }
  return { rss: kibField(status, 'VmRSS') * 1024, peakRss: kibField(status, 'VmHWM') * 1024 };
}

/** Resets VmHWM to the current RSS (Linux 4.0+: writing 5 to clear_refs). False when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function kibField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match?.[1] ? Number(match[1]) : Number.NaN;
}

/** CPU time all cores have spent busy (not idle or iowait) since boot, ms, from /proc/stat. */
export function systemBusyMs(): number {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return Number.NaN;
  }
  const fields = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / clockTicksPerSecond();
}

/** CPU of this process and of its reaped children (utime, stime, cutime, cstime), ms. */
export function selfAndReapedChildrenMs(): number {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return Number.NaN;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
  return (ticks * 1000) / clockTicksPerSecond();
}
