/**
 * The config file's schema (JSON or YAML). Everything is optional: the environment alone is a complete
 * configuration. Validation messages name the exact field (`routes.gpt-4o.targets[1]`).
 */
import { z } from 'zod';
import { MAX_COUNT, MAX_TIMER_MS } from './bounds.ts';

const targetPattern = /^[a-z][a-z0-9_-]*:.+$/;
const target = z.string().regex(targetPattern, 'must be "provider:model", e.g. "anthropic:claude-sonnet-4-5"');

/** A delay or timeout: a whole number of milliseconds a timer can honour. */
const ms = (min: number) => z.number().int().min(min).max(MAX_TIMER_MS);
const count = (min: number) => z.number().int().min(min).max(MAX_COUNT);

const policy = z
  .object({
    maxAttempts: z.number().int().min(1).max(20),
    maxAttemptsPerProvider: z.number().int().min(1).max(10),
    baseDelayMs: ms(0),
    factor: z.number().min(1).max(10),
    maxDelayMs: ms(0),
    overloadBaseDelayMs: ms(0),
    deadlineMs: ms(100),
    firstTokenTimeoutMs: ms(100),
    idleTimeoutMs: ms(100),
    nonStreamingTimeoutMs: ms(100),
    retryBudgetRatio: z.number().min(0).max(1),
    retryBudgetMinimum: count(0),
    order: z.array(z.string().min(1)).min(1).max(20),
    // `true` / `false` are the older spellings of `always` / `never`.
    streamInternally: z
      .union([z.boolean(), z.enum(['always', 'translated', 'never'])])
      .transform((value) => (value === true ? 'always' : value === false ? 'never' : value)),
  })
  .partial()
  .strict();

/** Cache settings a route may override (README "Caching"). */
const cacheRouteSettings = z
  .object({
    enabled: z.boolean(),
    ttlMs: z.number().int().min(1000),
    maxEntryBytes: z.number().int().min(256),
    shareAcrossKeys: z.boolean(),
  })
  .partial()
  .strict();

const cacheSettings = cacheRouteSettings
  .extend({
    /** Total size of the memory store. */
    maxBytes: z.number().int().min(1024),
    store: z.enum(['memory', 'redis']),
    redisTimeoutMs: z.number().int().min(1).max(5000),
    compressAboveBytes: z.number().int().min(0),
    allowRequestTtl: z.boolean(),
    maxTtlMs: z.number().int().min(1000),
  })
  .partial()
  .strict();

const route = z.union([
  z.array(target).min(1),
  z
    .object({
      targets: z.array(target).min(1),
      /** Route to use when a request is too long for this one (context_length failures). */
      contextFallback: z.string().min(1).optional(),
      policy: policy.optional(),
      /** `true` = on with the global settings, `false` = off, or settings merged over the global ones. */
      cache: z.union([z.boolean(), cacheRouteSettings]).optional(),
      /** Add the model's thinking as `reasoning_content` for every request on this route (see README, Translation). */
      includeReasoning: z.boolean().optional(),
    })
    .strict(),
]);

/** Client-side budgets per key (README "Rate limits and queueing"). */
const limitSettings = z
  .object({ rpm: count(1), tpm: count(1), maxConcurrency: count(1) })
  .partial()
  .strict();

const provider = z
  .object({
    /** One key, or several for a key pool. */
    apiKey: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** http: or https: only; checked in load-config.ts with the env's URLs. */
    baseURL: z.string().min(1).optional(),
    defaultModel: z.string().min(1).optional(),
    enabled: z.boolean().optional(),
    /** Budgets applying to each key of the pool. */
    limits: limitSettings.optional(),
    /** Per-model budgets of their own (OpenAI counts its limits per model). */
    models: z.record(z.string().min(1), z.object({ limits: limitSettings }).strict()).optional(),
  })
  .strict();

/** The wait for budget when no target has any. */
const queue = z
  .object({ maxWaitMs: ms(0), maxLength: count(0), preferredWaitMs: ms(0) })
  .partial()
  .strict();

const windowName = z.enum(['short', 'long']);
const rateThreshold = z
  .object({ enabled: z.boolean(), above: z.number().min(0).max(1), window: windowName, minSamples: count(1) })
  .partial()
  .strict();

const health = z
  .object({
    thresholds: z
      .object({
        errorRate: rateThreshold.extend({ includeRateLimits: z.boolean() }).partial().strict(),
        rateLimitRate: rateThreshold,
        serverErrorRate: rateThreshold
          .extend({ sustainedMs: ms(0) })
          .partial()
          .strict(),
        retryExhaustionRate: rateThreshold,
        p99Latency: z
          .object({
            enabled: z.boolean(),
            aboveMs: z.number().min(0).max(MAX_TIMER_MS),
            window: windowName,
            minSamples: count(1),
          })
          .partial()
          .strict(),
        fastTrip: z
          .object({
            enabled: z.boolean(),
            consecutiveFailures: count(0),
            failureRate: z.number().min(0).max(1),
            minSamples: count(1),
          })
          .partial()
          .strict(),
      })
      .partial()
      .strict()
      .optional(),
    probe: z
      .object({
        share: z.number().min(0).max(1),
        cooldownMs: ms(0),
        cooldownGrowth: z.number().min(1).max(100),
        maxCooldownMs: ms(0),
        successesToRecover: count(1),
        minProbeMs: ms(0),
        retripAfterFailures: count(1),
        maxProbeErrorRate: z.number().min(0).max(1),
        probeErrorRateMinProbes: count(1),
      })
      .partial()
      .strict()
      .optional(),
    windows: z
      .object({ slotMs: ms(100), shortMs: ms(100), longMs: ms(100) })
      .partial()
      .strict()
      .optional(),
    webhookUrl: z.string().min(1).optional(),
    /** `health.webhook.format: slack` sends Slack incoming-webhook messages; `url` is the same as webhookUrl. */
    webhook: z
      .object({ url: z.string().min(1).optional(), format: z.enum(['json', 'slack']).optional() })
      .strict()
      .optional(),
    redisPrefix: z.string().min(1).optional(),
  })
  .strict();

export const configFileSchema = z
  .object({
    server: z
      .object({
        port: z.number().int().min(0).max(65535).optional(),
        host: z.string().min(1).optional(),
        apiKeys: z.array(z.string().min(8, 'gateway API keys must be at least 8 characters')).optional(),
        adminKey: z.string().min(16, 'the admin key must be at least 16 characters').optional(),
        /** Allow base and webhook URLs on link-local and cloud-metadata addresses (see check-url.ts). */
        allowLinkLocalUrls: z.boolean().optional(),
        /** Time to receive a request's headers (Node: `headersTimeout`). */
        headersTimeoutMs: ms(100).optional(),
        /** Time to receive a whole request, headers and body (Node: `requestTimeout`). */
        requestTimeoutMs: ms(100).optional(),
      })
      .strict()
      .optional(),
    providers: z.record(z.string(), provider).optional(),
    routes: z.record(z.string(), route).optional(),
    policy: policy.optional(),
    health: health.optional(),
    queue: queue.optional(),
    /** Exact-match response cache; present = on unless `enabled: false`. */
    cache: cacheSettings.optional(),
    /** Key checks at start-up (README "Key checks at start-up"). */
    keyChecks: z
      .object({ enabled: z.boolean(), timeoutMs: ms(100) })
      .partial()
      .strict()
      .optional(),
    /** Answer requests too long for the target's window with a 400 before sending (default true). */
    contextCheck: z.boolean().optional(),
    /** Context windows and output ceilings by model name prefix, over the defaults (src/limits/model-limits.ts). */
    models: z
      .record(
        z.string().min(1),
        z
          .object({ contextWindow: count(1), maxOutputTokens: count(1) })
          .partial()
          .strict(),
      )
      .optional(),
    redisUrl: z.string().optional(),
    /**
     * ioredis options passed through as they are, for Sentinel (`sentinels`, `name`) or Cluster
     * (`cluster: [{host, port}]`, `options`). Takes precedence over redisUrl.
     */
    redis: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
export type PolicyOverrides = z.infer<typeof policy>;
export type HealthFileSettings = z.infer<typeof health>;
export type CacheFileSettings = z.infer<typeof cacheSettings>;
export type CacheRouteFileSettings = z.infer<typeof cacheRouteSettings>;
