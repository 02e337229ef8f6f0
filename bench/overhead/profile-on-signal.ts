/**
 * Preloaded (`node --import`) into a subject by bench/overhead/profile.ts: SIGUSR2 starts the V8 CPU profiler, the
 * next SIGUSR2 stops it and writes BENCH_PROFILE_FILE, then answers over IPC. This profiles exactly the
 * measured requests (no startup, no warm-up), which `node --cpu-prof` cannot do. Bench-only: never used in
 * the overhead run itself.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const file = process.env.BENCH_PROFILE_FILE ?? 'profile.cpuprofile';
const session = new Session();
let running = false;

async function toggle(): Promise<void> {
  if (!running) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    running = true;
    process.send?.({ profiling: 'started' });
    return;
  }
  const { profile } = await session.post('Profiler.stop');
  running = false;
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
  process.send?.({ profiling: 'written', file });
}

process.on('SIGUSR2', () => {
  void toggle();
});
