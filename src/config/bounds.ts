/**
 * The bounds every numeric setting is checked against, and the one parser for numbers from the environment.
 * Timers on every runtime the gateway runs on take a signed 32-bit millisecond count: a longer delay fires at
 * once (Node warns and uses 1 ms), so a deadline of 3,000,000,000 ms would time out every request at once.
 */
import { ConfigError } from './config-error.ts';

/** The longest delay setTimeout honours (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Counts (samples, budgets) beyond this are configuration mistakes, not intentions. */
export const MAX_COUNT = 1_000_000_000;
/** Config files are a few kilobytes; this refuses /dev/zero or a log file named by mistake before parsing. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** The schema nests 6 levels; ioredis options passed through need a few more. */
export const MAX_CONFIG_DEPTH = 32;
/** YAML aliases expanded per file (the "billion laughs" guard). */
export const MAX_YAML_ALIASES = 100;
export const MIN_GATEWAY_KEY_LENGTH = 8;
export const MIN_ADMIN_KEY_LENGTH = 16;

/**
 * A whole number from an environment variable, decimal digits only (`1e21`, `0x10`, `5.0` are refused), in
 * [min, max]. The error names the variable and the range, not the value.
 */
export function parseWholeNumber(name: string, raw: string, min: number, max: number): number {
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}: must be a whole number from ${min} to ${max}`);
  }
  return value;
}
