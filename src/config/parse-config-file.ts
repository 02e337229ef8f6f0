/**
 * A config file's text (JSON or YAML) checked against the schema, and `loadConfig`: the whole configuration
 * from the environment and a file's text. The schema library and the YAML parser are imported here only, so
 * that the Node entry loads them only when a file is given (load-config.ts has the rest).
 */
import type { ZodError } from 'zod';
import { ConfigError, describeValue } from './config-error.ts';
import { InterpolationError, interpolateEnv } from './interpolate-env.ts';
import { type ConfigSource, type Env, type GatewayConfig, resolveConfig, safePathPart } from './load-config.ts';
import { parseConfigText } from './parse-config-text.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { type ConfigFile, configFileSchema } from './schema.ts';

export function loadConfig(
  env: Env,
  file?: ConfigSource,
  knownProviders: readonly string[] = DEFAULT_POLICY.order,
): GatewayConfig {
  return resolveConfig(env, file ? parseConfigFile(file, env) : {}, knownProviders);
}

export function parseConfigFile(file: ConfigSource, env: Env): ConfigFile {
  const raw = parseConfigText(file.text, file.path);
  let interpolated: unknown;
  try {
    interpolated = interpolateEnv(raw ?? {}, env);
  } catch (error) {
    if (error instanceof InterpolationError) throw new ConfigError(`${file.path}: ${error.message}`);
    throw error;
  }
  const result = configFileSchema.safeParse(interpolated);
  if (!result.success) throw new ConfigError(`${file.path}: invalid configuration:\n${describeIssues(result.error)}`);
  return result.data;
}

function describeIssues(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path
        .map((part, index) =>
          typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${safePathPart(String(part))}`,
        )
        .join('');
      // Zod quotes unknown keys; a key can be a secret pasted one line too high.
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.map(describeValue).join(', ')}`
          : issue.message;
      return `  - ${path || '(root)'}: ${message}`;
    })
    .join('\n');
}
