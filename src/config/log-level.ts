/** SWITCHYARD_LOG_LEVEL, read with the rest of the configuration so both entries validate it the same way. */
import type { LogLevel } from '../telemetry/logger.ts';
import { ConfigError } from './config-error.ts';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function readLogLevel(raw: string | undefined): LogLevel {
  const value = raw?.trim();
  if (!value) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    // The value is not echoed: a key pasted into the wrong variable must not reach a log.
    throw new ConfigError(`SWITCHYARD_LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return value as LogLevel;
}
