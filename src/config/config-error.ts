/**
 * A configuration the gateway refuses to start with. Its message names the field and never quotes the value
 * it refused: operators paste keys into the wrong variable, and a start-up error lands in CI logs and
 * terminals that are shared far more widely than the secret store.
 */
import { redactSecrets } from '../../providers/shared/redact-secrets.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const SHOWABLE = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/**
 * A value for an error message: quoted when it is a short lowercase name (a typo like "mistral" is worth
 * showing), otherwise only its length. Names matching a key pattern are never shown.
 */
export function describeValue(value: unknown): string {
  if (typeof value !== 'string') return `a ${value === null ? 'null' : typeof value}`;
  if (SHOWABLE.test(value) && redactSecrets(value) === value) return `"${value}"`;
  return `a value of ${value.length} character${value.length === 1 ? '' : 's'} (not shown)`;
}
