/**
 * How busy the machine was with work that is not the benchmark's: the CPU all cores spent busy, minus this
 * process, its reaped children and its live children, sampled every second. Another process competing for a
 * core shows up here, so a reader can tell a quiet run from a contaminated one. The Redis server counts as
 * "other" (its share is small: the store batches its writes).
 */
import { cpuTimeMs, selfAndReapedChildrenMs, systemBusyMs } from '../lib/proc.ts';

export interface NoiseReport {
  /** Mean CPU of other processes over the run, % of one core. */
  meanCorePercent: number;
  /** Highest one-second reading, % of one core. */
  maxCorePercent: number;
  /** Seconds in which other processes used more than a quarter of a core. */
  busySeconds: number;
  seconds: number;
}

export interface NoiseMonitor {
  stop(): NoiseReport;
}

export function monitorNoise(livePids: () => number[]): NoiseMonitor {
  const ours = () => selfAndReapedChildrenMs() + livePids().reduce((sum, pid) => sum + (cpuTimeMs(pid) || 0), 0);
  const readings: number[] = [];
  let lastAt = performance.now();
  let lastSystem = systemBusyMs();
  let lastOurs = ours();
  const first = { system: lastSystem, ours: lastOurs, at: lastAt };
  const timer = setInterval(() => {
    const at = performance.now();
    const system = systemBusyMs();
    const mine = ours();
    readings.push(Math.max(0, (system - lastSystem - (mine - lastOurs)) / (at - lastAt)) * 100);
    lastAt = at;
    lastSystem = system;
    lastOurs = mine;
  }, 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const elapsed = performance.now() - first.at;
      const other = systemBusyMs() - first.system - (ours() - first.ours);
      return {
        meanCorePercent: Math.max(0, other / elapsed) * 100,
        maxCorePercent: readings.length ? Math.max(...readings) : 0,
        busySeconds: readings.filter((reading) => reading > 25).length,
        seconds: Math.round(elapsed / 1000),
      };
    },
  };
}
