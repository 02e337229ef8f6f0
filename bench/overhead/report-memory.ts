/**
 * Preloaded (`node --import`) into the gateway by bench/overhead/soak-memory.ts: answers a `memory` IPC message with
 * `process.memoryUsage()` (after a full GC when the gateway runs with --expose-gc, so "heap" means live
 * objects, not garbage not yet collected). Nothing else is touched.
 */
process.on('message', (message: unknown) => {
  if (message !== 'memory') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  process.send?.({ memory: process.memoryUsage() });
});
