/**
 * `${NAME}` and `${NAME:-default}` in config-file strings, resolved from the environment after parsing (not
 * in the raw text, so a secret containing YAML syntax cannot change the file's structure).
 */
export class InterpolationError extends Error {}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolateEnv(value: unknown, env: Record<string, string | undefined>, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
      const resolved = env[name];
      if (resolved !== undefined && resolved !== '') return resolved;
      if (fallback !== undefined) return fallback;
      throw new InterpolationError(`${path || '(root)'}: references \${${name}}, which is not set in the environment`);
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateEnv(item, env, `${path}[${index}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = interpolateEnv(item, env, path ? `${path}.${key}` : key);
    return out;
  }
  return value;
}
