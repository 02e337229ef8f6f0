/** Reading single environment variables: trimmed, empty as unset, numbers and flags checked and named. */
import { parseWholeNumber } from './bounds.ts';
import { ConfigError, describeValue } from './config-error.ts';
import type { Env } from './gateway-config.ts';

export function envNumber(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = nonEmpty(env[name]);
  return raw === undefined ? undefined : parseWholeNumber(name, raw, min, max);
}

export function parseFlag(env: Env, name: string): boolean | undefined {
  const raw = nonEmpty(env[name])?.toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name}: must be true or false`);
}

export function splitList(raw: string | undefined): string[] | undefined {
  const items = (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

export function nonEmpty(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  return value ? value : undefined;
}

export function parseWebhookFormat(raw: string | undefined): 'json' | 'slack' | undefined {
  const value = nonEmpty(raw);
  if (value === undefined) return undefined;
  if (value === 'json' || value === 'slack') return value;
  throw new ConfigError(`SWITCHYARD_ALERT_WEBHOOK_FORMAT: must be "json" or "slack", not ${describeValue(value)}`);
}
