/**
 * The gateway's resolved configuration: what load-config.ts builds from the environment and a config file,
 * and what every part of the gateway reads. Types and defaults only.
 */
import type { LimitSettings } from '../limits/budget-settings.ts';
import type { ModelLimitOverrides } from '../limits/model-limits.ts';
import type { LogLevel } from '../telemetry/logger.ts';
import type { RetryPolicy } from './policy.ts';
import type { KeyCheckSettings } from './resolve-checks.ts';
import type { HealthFileSettings } from './schema.ts';

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
