/**
 * The config file's schema (JSON or YAML). Everything is optional: the environment alone is a complete
 * configuration. Validation messages name the exact field (`routes.gpt-4o.targets[1]`).
 */
import { z } from 'zod';

const targetPattern = /^[a-z][a-z0-9_-]*:.+$/;
const target = z
  .string()
  .regex(targetPattern, 'must be "provider:model", e.g. "anthropic:claude-sonnet-4-5"');

const policy = z
  .object({
    maxAttempts: z.number().int().min(1).max(20),
    maxAttemptsPerProvider: z.number().int().min(1).max(10),
    baseDelayMs: z.number().int().min(0),
    factor: z.number().min(1).max(10),
    maxDelayMs: z.number().int().min(0),
    overloadBaseDelayMs: z.number().int().min(0),
    deadlineMs: z.number().int().min(100),
    firstTokenTimeoutMs: z.number().int().min(100),
    idleTimeoutMs: z.number().int().min(100),
    // Timers cannot wait longer than 2^31-1 ms; Node would fire them at once.
    nonStreamingTimeoutMs: z.number().int().min(100).max(2_147_483_647),
    retryBudgetRatio: z.number().min(0).max(1),
    retryBudgetMinimum: z.number().int().min(0),
    order: z.array(z.string().min(1)).min(1),
    // `true` / `false` are the older spellings of `always` / `never`.
    streamInternally: z
      .union([z.boolean(), z.enum(['always', 'translated', 'never'])])
      .transform((value) => (value === true ? 'always' : value === false ? 'never' : value)),
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
    })
    .strict(),
]);

const provider = z
  .object({
    /** One key, or several for a key pool. */
    apiKey: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    baseURL: z.string().url().optional(),
    defaultModel: z.string().min(1).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const windowName = z.enum(['short', 'long']);
const rateThreshold = z
  .object({ enabled: z.boolean(), above: z.number().min(0).max(1), window: windowName, minSamples: z.number().int().min(1) })
  .partial()
  .strict();

const health = z
  .object({
    thresholds: z
      .object({
        errorRate: rateThreshold.extend({ includeRateLimits: z.boolean() }).partial().strict(),
        rateLimitRate: rateThreshold,
        serverErrorRate: rateThreshold.extend({ sustainedMs: z.number().int().min(0) }).partial().strict(),
        retryExhaustionRate: rateThreshold,
        p99Latency: z
          .object({ enabled: z.boolean(), aboveMs: z.number().min(0), window: windowName, minSamples: z.number().int().min(1) })
          .partial()
          .strict(),
        fastTrip: z
          .object({ enabled: z.boolean(), consecutiveFailures: z.number().int().min(0), failureRate: z.number().min(0).max(1), minSamples: z.number().int().min(1) })
          .partial()
          .strict(),
      })
      .partial()
      .strict()
      .optional(),
    probe: z
      .object({
        share: z.number().min(0).max(1),
        cooldownMs: z.number().int().min(0),
        cooldownGrowth: z.number().min(1),
        maxCooldownMs: z.number().int().min(0),
        successesToRecover: z.number().int().min(1),
        minProbeMs: z.number().int().min(0),
        retripAfterFailures: z.number().int().min(1),
        maxProbeErrorRate: z.number().min(0).max(1),
        probeErrorRateMinProbes: z.number().int().min(1),
      })
      .partial()
      .strict()
      .optional(),
    windows: z
      .object({ slotMs: z.number().int().min(100), shortMs: z.number().int().min(100), longMs: z.number().int().min(100) })
      .partial()
      .strict()
      .optional(),
    webhookUrl: z.string().url().optional(),
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
      })
      .strict()
      .optional(),
    providers: z.record(z.string(), provider).optional(),
    routes: z.record(z.string(), route).optional(),
    policy: policy.optional(),
    health: health.optional(),
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
