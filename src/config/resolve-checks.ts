/**
 * The settings of the checks made before traffic fails: key checks at start-up and the context check with its
 * model table (README "Key checks at start-up", "Token counting and context windows"). Kept out of
 * load-config.ts, which only spreads the result into the configuration.
 */
import type { ModelLimitOverrides } from '../limits/model-limits.ts';
import { MAX_TIMER_MS, parseWholeNumber } from './bounds.ts';
import { ConfigError } from './config-error.ts';
import type { ConfigFile } from './schema.ts';

type Env = Record<string, string | undefined>;

export interface KeyCheckSettings {
  /** Check every key at start-up (Node) or on an isolate's first request (Workers). */
  enabled: boolean;
  /** How long one check may take; past it the key stays `unverified`. */
  timeoutMs: number;
}

export const DEFAULT_KEY_CHECKS: KeyCheckSettings = { enabled: true, timeoutMs: 5000 };

export interface CheckSettings {
  keyChecks: KeyCheckSettings;
  contextCheck: boolean;
  models: ModelLimitOverrides;
}

export function resolveChecks(parsed: ConfigFile, env: Env): CheckSettings {
  const timeout = env.SWITCHYARD_KEY_CHECK_TIMEOUT_MS?.trim();
  return {
    keyChecks: {
      enabled: flag(env, 'SWITCHYARD_KEY_CHECKS') ?? parsed.keyChecks?.enabled ?? DEFAULT_KEY_CHECKS.enabled,
      timeoutMs: timeout
        ? parseWholeNumber('SWITCHYARD_KEY_CHECK_TIMEOUT_MS', timeout, 100, MAX_TIMER_MS)
        : (parsed.keyChecks?.timeoutMs ?? DEFAULT_KEY_CHECKS.timeoutMs),
    },
    contextCheck: flag(env, 'SWITCHYARD_CONTEXT_CHECK') ?? parsed.contextCheck ?? true,
    models: parsed.models ?? {},
  };
}

/** on/off, true/false, 1/0; the value is not echoed in the error (it may be a key pasted into the wrong place). */
function flag(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return undefined;
  if (raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name}: must be on or off`);
}
