/**
 * Builds the gateway's configuration from environment variables and, optionally, a parsed config file.
 * Runtime-neutral: the Node entry reads the file from disk, the Worker passes its bindings as `env`.
 */
import { redactSecrets } from '../../providers/shared/redact-secrets.ts';
import type { LimitSettings } from '../limits/budget-settings.ts';
import type { ModelLimitOverrides } from '../limits/model-limits.ts';
import type { LogLevel } from '../telemetry/logger.ts';
import { MAX_COUNT, MAX_TIMER_MS, MIN_ADMIN_KEY_LENGTH, MIN_GATEWAY_KEY_LENGTH, parseWholeNumber } from './bounds.ts';
import { checkUrl } from './check-url.ts';
import { ConfigError, describeValue } from './config-error.ts';
import { readLogLevel } from './log-level.ts';
import { DEFAULT_POLICY, type RetryPolicy } from './policy.ts';
import { type KeyCheckSettings, resolveChecks } from './resolve-checks.ts';
import type { CacheRouteFileSettings, ConfigFile, HealthFileSettings, PolicyOverrides } from './schema.ts';

export { ConfigError } from './config-error.ts';

export type Env = Record<string, string | undefined>;

export interface ProviderConfig {
  name: string;
  /** One or more keys (a key pool). Never logged. */
  apiKeys: string[];
  baseURL?: string;
  defaultModel?: string;
  /** Budgets applying to each key (env `<NAME>_RPM` / `_TPM` / `_MAX_CONCURRENCY` win over the file). */
  limits?: LimitSettings;
  /** Models with budgets of their own. */
  modelLimits?: ReadonlyMap<string, LimitSettings>;
}

/** README "Rate limits and queueing". */
export interface QueueConfig {
  maxWaitMs: number;
  maxLength: number;
  /** A request waits this long at most for its first target's budget before it spills over to the next. */
  preferredWaitMs: number;
}

export const DEFAULT_QUEUE: QueueConfig = { maxWaitMs: 10_000, maxLength: 1000, preferredWaitMs: 250 };

export interface RouteTarget {
  provider: string;
  model: string;
}

export interface Route {
  name: string;
  targets: RouteTarget[];
  contextFallback?: string;
  policy: RetryPolicy;
  /** The global cache settings with this route's overrides merged in. */
  cache: CacheSettings;
  /** Requests on this route get `reasoning_content` unless they say `include_reasoning: false`. */
  includeReasoning?: boolean;
}

/** What decides caching for one route (README "Caching"). */
export interface CacheSettings {
  enabled: boolean;
  ttlMs: number;
  /** Larger answers are served but not stored. */
  maxEntryBytes: number;
  /** Entries shared by every gateway key instead of one partition per key. */
  shareAcrossKeys: boolean;
}

export interface CacheConfig extends CacheSettings {
  /** Total size of the memory store (least recently used entries go first). */
  maxBytes: number;
  /** Redis when a Redis connection is configured, unless set to memory. */
  store: 'memory' | 'redis';
  /** The longest a request waits for the Redis cache store; past it, a miss. */
  redisTimeoutMs: number;
  compressAboveBytes: number;
  /** Whether clients may turn the cache on per request with x-switchyard-cache-ttl. */
  allowRequestTtl: boolean;
  /** Upper bound for any entry's TTL, the header's included. */
  maxTtlMs: number;
}

export const DEFAULT_CACHE: CacheConfig = {
  enabled: false,
  ttlMs: 300_000,
  maxEntryBytes: 1024 * 1024,
  shareAcrossKeys: false,
  maxBytes: 64 * 1024 * 1024,
  store: 'memory',
  redisTimeoutMs: 50,
  compressAboveBytes: 1024,
  allowRequestTtl: true,
  maxTtlMs: 86_400_000,
};

export interface HealthSettings {
  /** Overrides merged over the health subsystem's defaults (validated there too). */
  thresholds: NonNullable<HealthFileSettings['thresholds']>;
  probe: NonNullable<HealthFileSettings['probe']>;
  windows: NonNullable<HealthFileSettings['windows']>;
  webhookUrl?: string;
  webhookFormat: 'json' | 'slack';
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
  cache: CacheConfig;
  queue: QueueConfig;
  redisUrl?: string;
  /** ioredis options from the config file (Sentinel, Cluster), passed through untouched. */
  redisOptions?: Record<string, unknown>;
  /** How long a client may take to send a request's headers, and the whole request (Node entry only). */
  inbound: { headersTimeoutMs: number; requestTimeoutMs: number };
  /** Key checks at start-up; default on with a 5 s timeout (resolve-checks.ts). */
  keyChecks?: KeyCheckSettings;
  /** The context check before sending; undefined = on. */
  contextCheck?: boolean;
  /** Context windows and output ceilings over the defaults, by model name prefix. */
  models?: ModelLimitOverrides;
  /** SWITCHYARD_LOG_LEVEL. */
  logLevel: LogLevel;
}

/** Defaults for receiving a request: generous for a 32 MiB body on a slow link, short for a stalled one. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface ConfigSource {
  text: string;
  /** Used to pick the format (.json or .yaml/.yml) and in error messages. */
  path: string;
}

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

function resolveCache(parsed: ConfigFile, env: Env, redisConfigured: boolean): CacheConfig {
  const file = parsed.cache;
  const merged: CacheConfig = { ...DEFAULT_CACHE, store: redisConfigured ? 'redis' : 'memory' };
  if (file) Object.assign(merged, { enabled: true }, definedOnly(file));
  const ttl = envNumber(env, 'SWITCHYARD_CACHE_TTL_MS', 1000, MAX_TIMER_MS);
  if (ttl !== undefined) {
    merged.enabled = true;
    merged.ttlMs = ttl;
  }
  const store = nonEmpty(env.SWITCHYARD_CACHE_STORE);
  if (store !== undefined) {
    if (store !== 'memory' && store !== 'redis')
      throw new ConfigError('SWITCHYARD_CACHE_STORE: must be "memory" or "redis"');
    merged.store = store;
  }
  if (merged.store === 'redis' && !redisConfigured) {
    throw new ConfigError(
      `${store !== undefined ? 'SWITCHYARD_CACHE_STORE' : 'cache.store'}: "redis" needs REDIS_URL (or redisUrl / redis in the config file)`,
    );
  }
  return merged;
}

function routeCache(global: CacheConfig, spec: boolean | CacheRouteFileSettings | undefined): CacheSettings {
  const base: CacheSettings = {
    enabled: global.enabled,
    ttlMs: global.ttlMs,
    maxEntryBytes: global.maxEntryBytes,
    shareAcrossKeys: global.shareAcrossKeys,
  };
  if (spec === undefined) return base;
  if (typeof spec === 'boolean') return { ...base, enabled: spec };
  return { ...base, enabled: true, ...definedOnly(spec) };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
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

function envNumber(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = nonEmpty(env[name]);
  return raw === undefined ? undefined : parseWholeNumber(name, raw, min, max);
}

function parseFlag(env: Env, name: string): boolean | undefined {
  const raw = nonEmpty(env[name])?.toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name}: must be true or false`);
}

function splitList(raw: string | undefined): string[] | undefined {
  const items = (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

function nonEmpty(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  return value ? value : undefined;
}

function parseWebhookFormat(raw: string | undefined): 'json' | 'slack' | undefined {
  const value = nonEmpty(raw);
  if (value === undefined) return undefined;
  if (value === 'json' || value === 'slack') return value;
  throw new ConfigError(`SWITCHYARD_ALERT_WEBHOOK_FORMAT: must be "json" or "slack", not ${describeValue(value)}`);
}
