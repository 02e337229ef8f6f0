/**
 * The Worker's configuration from its bindings (vars and secrets, the names of the Node environment
 * variables). Workers have no file system: what a config file holds on Node comes as YAML or JSON text in
 * SWITCHYARD_CONFIG_YAML. The schema library (zod) and the YAML parser are imported only when that variable
 * is set: evaluating them costs tens of milliseconds of CPU, several times a Free plan request's limit.
 * Runtime-neutral: the Worker entry passes the bindings in.
 */
import { ConfigError, type Env, type GatewayConfig, resolveConfig } from './load-config.ts';

export const CONFIG_VAR = 'SWITCHYARD_CONFIG_YAML';

/** A configuration, or the error that names the variable at fault (answered on every request). */
export type ConfigOutcome = { config: GatewayConfig } | { error: ConfigError };

/** The bindings that are text (vars and secrets); Durable Object namespaces and other bindings are not. */
export function stringBindings(bindings: Record<string, unknown>): Env {
  const vars: Env = {};
  for (const [name, value] of Object.entries(bindings)) if (typeof value === 'string') vars[name] = value;
  return vars;
}

export async function configFromBindings(
  bindings: Record<string, unknown>,
  knownProviders: readonly string[],
): Promise<ConfigOutcome> {
  const vars = stringBindings(bindings);
  try {
    const text = vars[CONFIG_VAR];
    if (!text?.trim()) return { config: resolveConfig(vars, {}, knownProviders) };
    const { loadConfig } = await import('./parse-config-file.ts');
    return { config: loadConfig(vars, { text, path: CONFIG_VAR }, knownProviders) };
  } catch (error) {
    if (error instanceof ConfigError) return { error };
    throw error;
  }
}
