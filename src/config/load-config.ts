/**
 * Builds the gateway's configuration from environment variables and, optionally, a parsed config file.
 * Runtime-neutral: the Node entry reads the file from disk, the Worker passes its bindings as `env`.
 */
import { redactSecrets } from '../../providers/shared/redact-secrets.ts';
import type { LimitSettings } from '../limits/budget-settings.ts';
import { MAX_COUNT, MAX_TIMER_MS, MIN_ADMIN_KEY_LENGTH, MIN_GATEWAY_KEY_LENGTH } from './bounds.ts';
import { checkUrl } from './check-url.ts';
import { ConfigError, describeValue } from './config-error.ts';
import { envNumber, nonEmpty, parseFlag, parseWebhookFormat, splitList } from './env-values.ts';
import {
  type CacheConfig,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_QUEUE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type Env,
  type GatewayConfig,
  type ProviderConfig,
  type QueueConfig,
  type Route,
} from './gateway-config.ts';
import { readLogLevel } from './log-level.ts';
import { DEFAULT_POLICY, type RetryPolicy } from './policy.ts';
import { resolveCache, routeCache } from './resolve-cache.ts';
import { resolveChecks } from './resolve-checks.ts';
import type { ConfigFile, PolicyOverrides } from './schema.ts';

export { ConfigError } from './config-error.ts';
// The resolved configuration's types live in gateway-config.ts; re-exported so callers keep one import.
export * from './gateway-config.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The configuration from the environment and an already parsed config file (`{}` for none). Parsing and
 * validating a file's text is `loadConfig` in parse-config-file.ts: kept apart so that a gateway started
 * without a file never loads the schema library and the YAML parser (about 25 MB resident).
 */
export function resolveConfig(
  env: Env,
  parsed: ConfigFile = {},
  knownProviders: readonly string[] = DEFAULT_POLICY.order,
): GatewayConfig {
  const allowLinkLocal =
    parseFlag(env, 'SWITCHYARD_ALLOW_LINK_LOCAL_URLS') ?? parsed.server?.allowLinkLocalUrls ?? false;
  const policy = applyEnvPolicy(mergePolicy(DEFAULT_POLICY, parsed.policy), env);
  const providers = resolveProviders(parsed, env, knownProviders, policy.order, allowLinkLocal);
  const apiKeys = resolveApiKeys(env, parsed);
  const { host, hostNote } = resolveHost(env.HOST ?? parsed.server?.host, apiKeys.length > 0);
  const redisUrl = nonEmpty(env.REDIS_URL) ?? nonEmpty(parsed.redisUrl);
  const cache = resolveCache(parsed, env, redisUrl !== undefined || parsed.redis !== undefined);
  const routes = resolveRoutes(parsed, policy, knownProviders, cache);
  const envWebhook = nonEmpty(env.SWITCHYARD_ALERT_WEBHOOK_URL);
  const webhookUrl = envWebhook
    ? checkUrl(envWebhook, 'SWITCHYARD_ALERT_WEBHOOK_URL', allowLinkLocal)
    : parsed.health?.webhook?.url
      ? checkUrl(parsed.health.webhook.url, 'health.webhook.url', allowLinkLocal)
      : parsed.health?.webhookUrl && checkUrl(parsed.health.webhookUrl, 'health.webhookUrl', allowLinkLocal);
  const webhookFormat =
    parseWebhookFormat(env.SWITCHYARD_ALERT_WEBHOOK_FORMAT) ?? parsed.health?.webhook?.format ?? 'json';
  const envAdminKey = nonEmpty(env.SWITCHYARD_ADMIN_KEY);
  const adminKey = envAdminKey
    ? checkKey(envAdminKey, 'SWITCHYARD_ADMIN_KEY', MIN_ADMIN_KEY_LENGTH, 'the admin key')
    : parsed.server?.adminKey;
  return {
    port: envNumber(env, 'PORT', 0, 65535) ?? parsed.server?.port ?? 8787,
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
      webhookFormat,
      redisPrefix: nonEmpty(env.SWITCHYARD_REDIS_PREFIX) ?? parsed.health?.redisPrefix ?? 'switchyard:',
    },
    cache,
    queue: resolveQueue(env, parsed),
    ...(redisUrl ? { redisUrl } : {}),
    ...(parsed.redis ? { redisOptions: parsed.redis } : {}),
    inbound: resolveInbound(env, parsed),
    ...resolveChecks(parsed, env),
    logLevel: readLogLevel(env.SWITCHYARD_LOG_LEVEL),
  };
}

function resolveQueue(env: Env, parsed: ConfigFile): QueueConfig {
  const file = parsed.queue ?? {};
  return {
    maxWaitMs:
      envNumber(env, 'SWITCHYARD_QUEUE_MAX_WAIT_MS', 0, MAX_TIMER_MS) ?? file.maxWaitMs ?? DEFAULT_QUEUE.maxWaitMs,
    maxLength: envNumber(env, 'SWITCHYARD_QUEUE_MAX_LENGTH', 0, MAX_COUNT) ?? file.maxLength ?? DEFAULT_QUEUE.maxLength,
    preferredWaitMs:
      envNumber(env, 'SWITCHYARD_QUEUE_PREFERRED_WAIT_MS', 0, MAX_TIMER_MS) ??
      file.preferredWaitMs ??
      DEFAULT_QUEUE.preferredWaitMs,
  };
}

/** A provider's budgets: the file's `limits`, with `<NAME>_RPM`, `_TPM`, `_MAX_CONCURRENCY` taking precedence. */
function resolveLimits(prefix: string, env: Env, file: LimitSettings | undefined): LimitSettings | undefined {
  const limits: LimitSettings = { ...file };
  const rpm = envNumber(env, `${prefix}_RPM`, 1, MAX_COUNT);
  const tpm = envNumber(env, `${prefix}_TPM`, 1, MAX_COUNT);
  const maxConcurrency = envNumber(env, `${prefix}_MAX_CONCURRENCY`, 1, MAX_COUNT);
  if (rpm !== undefined) limits.rpm = rpm;
  if (tpm !== undefined) limits.tpm = tpm;
  if (maxConcurrency !== undefined) limits.maxConcurrency = maxConcurrency;
  return Object.keys(limits).length > 0 ? limits : undefined;
}

function resolveInbound(env: Env, parsed: ConfigFile): GatewayConfig['inbound'] {
  const headersTimeoutMs =
    envNumber(env, 'SWITCHYARD_HEADERS_TIMEOUT_MS', 100, MAX_TIMER_MS) ??
    parsed.server?.headersTimeoutMs ??
    DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeoutMs =
    envNumber(env, 'SWITCHYARD_REQUEST_TIMEOUT_MS', 100, MAX_TIMER_MS) ??
    parsed.server?.requestTimeoutMs ??
    DEFAULT_REQUEST_TIMEOUT_MS;
  // Node refuses a headers timeout longer than the request timeout (the headers are part of the request).
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      'SWITCHYARD_HEADERS_TIMEOUT_MS (server.headersTimeoutMs): must not exceed SWITCHYARD_REQUEST_TIMEOUT_MS (server.requestTimeoutMs)',
    );
  }
  return { headersTimeoutMs, requestTimeoutMs };
}

/** Gateway keys, from the environment or the file, held to the same rules. */
function resolveApiKeys(env: Env, parsed: ConfigFile): string[] {
  if (nonEmpty(env.GATEWAY_API_KEYS) === undefined) return parsed.server?.apiKeys ?? [];
  const keys = splitList(env.GATEWAY_API_KEYS);
  // "," or " , " is a mistake, not a wish to run unauthenticated.
  if (!keys) throw new ConfigError('GATEWAY_API_KEYS: set but holds no key');
  return keys.map((key, index) =>
    checkKey(key, `GATEWAY_API_KEYS[${index}]`, MIN_GATEWAY_KEY_LENGTH, 'gateway API keys'),
  );
}

function checkKey(key: string, field: string, min: number, what: string): string {
  if (key.length < min) throw new ConfigError(`${field}: ${what} must be at least ${min} characters`);
  // A key a client cannot send in an Authorization header could never match.
  if (!/^[\x21-\x7e]+$/.test(key)) throw new ConfigError(`${field}: ${what} must be visible ASCII without spaces`);
  return key;
}

function mergePolicy(base: RetryPolicy, overrides: PolicyOverrides | undefined): RetryPolicy {
  if (!overrides) return base;
  const merged: RetryPolicy = { ...base };
  for (const [key, value] of Object.entries(overrides) as Array<
    [keyof RetryPolicy, RetryPolicy[keyof RetryPolicy] | undefined]
  >) {
    if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  return merged;
}

/** A path segment (a route or provider name) as shown in an error: capped, and never a key. */
export function safePathPart(part: string): string {
  const redacted = redactSecrets(part);
  return redacted.length > 64 ? `${redacted.slice(0, 64)}…` : redacted;
}

function applyEnvPolicy(policy: RetryPolicy, env: Env): RetryPolicy {
  const out = { ...policy };
  const pairs: Array<
    [keyof RetryPolicy & ('deadlineMs' | 'firstTokenTimeoutMs' | 'idleTimeoutMs' | 'nonStreamingTimeoutMs'), string]
  > = [
    ['deadlineMs', 'SWITCHYARD_DEADLINE_MS'],
    ['firstTokenTimeoutMs', 'SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS'],
    ['idleTimeoutMs', 'SWITCHYARD_IDLE_TIMEOUT_MS'],
    ['nonStreamingTimeoutMs', 'SWITCHYARD_NON_STREAMING_TIMEOUT_MS'],
  ];
  for (const [field, name] of pairs) {
    const value = envNumber(env, name, 100, MAX_TIMER_MS);
    if (value !== undefined) out[field] = value;
  }
  return out;
}

function resolveProviders(
  parsed: ConfigFile,
  env: Env,
  known: readonly string[],
  order: readonly string[],
  allowLinkLocal: boolean,
): ProviderConfig[] {
  for (const name of Object.keys(parsed.providers ?? {})) {
    if (!known.includes(name))
      throw new ConfigError(`providers: unknown provider ${describeValue(name)} (known: ${known.join(', ')})`);
  }
  for (const [index, name] of order.entries()) {
    if (!known.includes(name))
      throw new ConfigError(
        `policy.order[${index}]: unknown provider ${describeValue(name)} (known: ${known.join(', ')})`,
      );
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
    const baseURL = fromFile?.baseURL
      ? checkUrl(fromFile.baseURL, `providers.${name}.baseURL`, allowLinkLocal)
      : nonEmpty(env[`${prefix}_BASE_URL`]) &&
        checkUrl(env[`${prefix}_BASE_URL`]!.trim(), `${prefix}_BASE_URL`, allowLinkLocal);
    const limits = resolveLimits(prefix, env, fromFile?.limits);
    const models = Object.entries(fromFile?.models ?? {});
    configured.push({
      name,
      apiKeys,
      ...(baseURL ? { baseURL } : {}),
      ...(fromFile?.defaultModel ? { defaultModel: fromFile.defaultModel } : {}),
      ...(limits ? { limits } : {}),
      ...(models.length ? { modelLimits: new Map(models.map(([model, entry]) => [model, entry.limits])) } : {}),
    });
  }
  return configured;
}

function resolveRoutes(
  parsed: ConfigFile,
  policy: RetryPolicy,
  known: readonly string[],
  cache: CacheConfig,
): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const [name, spec] of Object.entries(parsed.routes ?? {})) {
    const targets = Array.isArray(spec) ? spec : spec.targets;
    const resolved = targets.map((text, index) => {
      const colon = text.indexOf(':');
      const provider = text.slice(0, colon);
      if (!known.includes(provider)) {
        const field = `routes.${safePathPart(name)}${Array.isArray(spec) ? '' : '.targets'}[${index}]`;
        throw new ConfigError(`${field}: unknown provider ${describeValue(provider)} (known: ${known.join(', ')})`);
      }
      return { provider, model: text.slice(colon + 1) };
    });
    const contextFallback = Array.isArray(spec) ? undefined : spec.contextFallback;
    routes.set(name, {
      name,
      targets: resolved,
      ...(contextFallback ? { contextFallback } : {}),
      ...(!Array.isArray(spec) && spec.includeReasoning !== undefined
        ? { includeReasoning: spec.includeReasoning }
        : {}),
      policy: Array.isArray(spec) ? policy : mergePolicy(policy, spec.policy),
      cache: routeCache(cache, Array.isArray(spec) ? undefined : spec.cache),
    });
  }
  for (const route of routes.values()) {
    if (route.contextFallback && !routes.has(route.contextFallback)) {
      throw new ConfigError(
        `routes.${safePathPart(route.name)}.contextFallback: no route named ${describeValue(route.contextFallback)}`,
      );
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
