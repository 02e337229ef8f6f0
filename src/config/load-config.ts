/**
 * Builds the gateway's configuration from environment variables and, optionally, a config file's text.
 * Runtime-neutral: the Node entry reads the file from disk, the Worker passes its bindings as `env`.
 */
import { parse as parseYaml } from 'yaml';
import type { ZodError } from 'zod';
import { DEFAULT_POLICY, type RetryPolicy } from './policy.ts';
import { configFileSchema, type ConfigFile, type HealthFileSettings, type PolicyOverrides } from './schema.ts';
import { interpolateEnv, InterpolationError } from './interpolate-env.ts';

export type Env = Record<string, string | undefined>;

export interface ProviderConfig {
  name: string;
  /** One or more keys (a key pool). Never logged. */
  apiKeys: string[];
  baseURL?: string;
  defaultModel?: string;
}

export interface RouteTarget {
  provider: string;
  model: string;
}

export interface Route {
  name: string;
  targets: RouteTarget[];
  contextFallback?: string;
  policy: RetryPolicy;
}

export interface HealthSettings {
  /** Overrides merged over the health subsystem's defaults (validated there too). */
  thresholds: NonNullable<HealthFileSettings['thresholds']>;
  probe: NonNullable<HealthFileSettings['probe']>;
  windows: NonNullable<HealthFileSettings['windows']>;
  webhookUrl?: string;
  redisPrefix: string;
}

export interface GatewayConfig {
  port: number;
  host: string;
  /** Why the host is what it is, for the startup log. */
  hostNote?: string;
  apiKeys: string[];
  adminKey?: string;
  /** Configured providers only (a provider without a key is not configured), in policy order. */
  providers: ProviderConfig[];
  routes: Map<string, Route>;
  policy: RetryPolicy;
  health: HealthSettings;
  redisUrl?: string;
  /** ioredis options from the config file (Sentinel, Cluster), passed through untouched. */
  redisOptions?: Record<string, unknown>;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ConfigSource {
  text: string;
  /** Used to pick the format (.json or .yaml/.yml) and in error messages. */
  path: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function loadConfig(env: Env, file?: ConfigSource, knownProviders: readonly string[] = DEFAULT_POLICY.order): GatewayConfig {
  const parsed = file ? parseConfigFile(file, env) : {};
  const policy = applyEnvPolicy(mergePolicy(DEFAULT_POLICY, parsed.policy), env);
  const providers = resolveProviders(parsed, env, knownProviders, policy.order);
  const apiKeys = splitList(env.GATEWAY_API_KEYS) ?? parsed.server?.apiKeys ?? [];
  const { host, hostNote } = resolveHost(env.HOST ?? parsed.server?.host, apiKeys.length > 0);
  const routes = resolveRoutes(parsed, policy, knownProviders);
  const redisUrl = nonEmpty(env.REDIS_URL) ?? nonEmpty(parsed.redisUrl);
  const webhookUrl = nonEmpty(env.SWITCHYARD_ALERT_WEBHOOK_URL) ?? parsed.health?.webhookUrl;
  const adminKey = nonEmpty(env.SWITCHYARD_ADMIN_KEY) ?? parsed.server?.adminKey;
  return {
    port: parsePort(env.PORT) ?? parsed.server?.port ?? 8787,
    host,
    ...(hostNote ? { hostNote } : {}),
    apiKeys,
    ...(adminKey ? { adminKey } : {}),
    providers,
    routes,
    policy,
    health: {
      thresholds: parsed.health?.thresholds ?? {},
      probe: parsed.health?.probe ?? {},
      windows: parsed.health?.windows ?? {},
      ...(webhookUrl ? { webhookUrl } : {}),
      redisPrefix: nonEmpty(env.SWITCHYARD_REDIS_PREFIX) ?? parsed.health?.redisPrefix ?? 'switchyard:',
    },
    ...(redisUrl ? { redisUrl } : {}),
    ...(parsed.redis ? { redisOptions: parsed.redis } : {}),
  };
}

function parseConfigFile(file: ConfigSource, env: Env): ConfigFile {
  let raw: unknown;
  try {
    raw = /\.json$/i.test(file.path) ? JSON.parse(file.text) : parseYaml(file.text);
  } catch (error) {
    throw new ConfigError(`${file.path}: not valid ${/\.json$/i.test(file.path) ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
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
        .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
        .join('');
      return `  - ${path || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}

function mergePolicy(base: RetryPolicy, overrides: PolicyOverrides | undefined): RetryPolicy {
  if (!overrides) return base;
  const merged: RetryPolicy = { ...base };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof RetryPolicy, RetryPolicy[keyof RetryPolicy] | undefined]>) {
    if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  return merged;
}

function applyEnvPolicy(policy: RetryPolicy, env: Env): RetryPolicy {
  const out = { ...policy };
  const pairs: Array<[keyof RetryPolicy & ('deadlineMs' | 'firstTokenTimeoutMs' | 'idleTimeoutMs' | 'nonStreamingTimeoutMs'), string]> = [
    ['deadlineMs', 'SWITCHYARD_DEADLINE_MS'],
    ['firstTokenTimeoutMs', 'SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS'],
    ['idleTimeoutMs', 'SWITCHYARD_IDLE_TIMEOUT_MS'],
    ['nonStreamingTimeoutMs', 'SWITCHYARD_NON_STREAMING_TIMEOUT_MS'],
  ];
  for (const [field, name] of pairs) {
    const raw = nonEmpty(env[name]);
    if (raw === undefined) continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 100) throw new ConfigError(`${name}: must be a whole number of milliseconds >= 100, got "${raw}"`);
    out[field] = value;
  }
  return out;
}

function resolveProviders(parsed: ConfigFile, env: Env, known: readonly string[], order: readonly string[]): ProviderConfig[] {
  for (const name of Object.keys(parsed.providers ?? {})) {
    if (!known.includes(name)) throw new ConfigError(`providers.${name}: unknown provider (known: ${known.join(', ')})`);
  }
  for (const name of order) {
    if (!known.includes(name)) throw new ConfigError(`policy.order: unknown provider "${name}" (known: ${known.join(', ')})`);
  }
  const configured: ProviderConfig[] = [];
  const ordered = [...order, ...known.filter((name) => !order.includes(name))];
  for (const name of ordered) {
    const fromFile = parsed.providers?.[name];
    if (fromFile?.enabled === false) continue;
    const prefix = name.toUpperCase();
    const fileKeys = fromFile?.apiKey === undefined ? undefined : [fromFile.apiKey].flat();
    const apiKeys = fileKeys ?? splitList(env[`${prefix}_API_KEY`]) ?? [];
    if (apiKeys.length === 0) continue;
    const baseURL = fromFile?.baseURL ?? nonEmpty(env[`${prefix}_BASE_URL`]);
    configured.push({
      name,
      apiKeys,
      ...(baseURL ? { baseURL: checkUrl(baseURL, `${prefix}_BASE_URL`) } : {}),
      ...(fromFile?.defaultModel ? { defaultModel: fromFile.defaultModel } : {}),
    });
  }
  return configured;
}

function resolveRoutes(parsed: ConfigFile, policy: RetryPolicy, known: readonly string[]): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const [name, spec] of Object.entries(parsed.routes ?? {})) {
    const targets = Array.isArray(spec) ? spec : spec.targets;
    const resolved = targets.map((text, index) => {
      const colon = text.indexOf(':');
      const provider = text.slice(0, colon);
      if (!known.includes(provider)) {
        throw new ConfigError(`routes.${name}${Array.isArray(spec) ? '' : '.targets'}[${index}]: unknown provider "${provider}" (known: ${known.join(', ')})`);
      }
      return { provider, model: text.slice(colon + 1) };
    });
    const contextFallback = Array.isArray(spec) ? undefined : spec.contextFallback;
    routes.set(name, {
      name,
      targets: resolved,
      ...(contextFallback ? { contextFallback } : {}),
      policy: Array.isArray(spec) ? policy : mergePolicy(policy, spec.policy),
    });
  }
  for (const route of routes.values()) {
    if (route.contextFallback && !routes.has(route.contextFallback)) {
      throw new ConfigError(`routes.${route.name}.contextFallback: no route named "${route.contextFallback}"`);
    }
  }
  return routes;
}

function resolveHost(requested: string | undefined, authenticated: boolean): { host: string; hostNote?: string } {
  if (authenticated) return { host: requested ?? '0.0.0.0' };
  if (requested === undefined || LOOPBACK_HOSTS.has(requested)) return { host: requested ?? '127.0.0.1' };
  // An unauthenticated gateway holds provider keys: anyone who reaches it spends them. Never expose it by default.
  return {
    host: '127.0.0.1',
    hostNote: `HOST=${requested} ignored: GATEWAY_API_KEYS is not set, so the gateway only listens on 127.0.0.1`,
  };
}

function checkUrl(value: string, field: string): string {
  try {
    new URL(value);
  } catch {
    throw new ConfigError(`${field}: not a valid URL: "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function parsePort(raw: string | undefined): number | undefined {
  const value = nonEmpty(raw);
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT: must be 0-65535, got "${value}"`);
  return port;
}

function splitList(raw: string | undefined): string[] | undefined {
  const items = (raw ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

function nonEmpty(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  return value ? value : undefined;
}
