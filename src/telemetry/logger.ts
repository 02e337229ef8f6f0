/**
 * Structured logs: one JSON object per line, so operators can grep and ship them as they are.
 * Callers pass fields, never secrets: provider keys live only inside Provider instances.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: { level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => console.log(line));
  return {
    log(level, event, fields = {}) {
      if (RANK[level] < threshold) return;
      write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
    },
  };
}
