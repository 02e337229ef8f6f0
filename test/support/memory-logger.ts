import type { Logger } from '../../src/telemetry/logger.ts';

export interface MemoryLogger extends Logger {
  /** Every line logged, as `{ level, event, ...fields }`, in order. */
  lines: Array<Record<string, unknown>>;
  /** The lines of one event. */
  events(name: string): Array<Record<string, unknown>>;
}

/** A logger that keeps lines in memory, for tests that assert on what was logged. */
export function createMemoryLogger(): MemoryLogger {
  const lines: Array<Record<string, unknown>> = [];
  return {
    lines,
    log(level, event, fields = {}) {
      lines.push({ level, event, ...fields });
    },
    events: (name) => lines.filter((line) => line.event === name),
  };
}

/** A logger that writes nothing. */
export const silentLogger: Logger = { log: () => undefined };
