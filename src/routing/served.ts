/**
 * What the routing engine needs (EngineDeps), what it is asked (ExecuteInput) and what it hands the HTTP
 * layer when a provider serves (Served): a JSON body, parsed chunks, or the upstream's own SSE events.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, RawSseBatch, Warning } from '../../providers/types.ts';
import type { Clock } from '../clock.ts';
import type { GatewayConfig } from '../config/load-config.ts';
import type { HealthMonitor } from '../health/types.ts';
import type { KeyPool } from '../limits/key-pool.ts';
import type { Limits } from '../limits/limits.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { AttemptRecord } from './request-trail.ts';
import type { RetryBudget } from './retry-budget.ts';

export interface EngineDeps {
  config: GatewayConfig;
  pools: ReadonlyMap<string, KeyPool>;
  health: HealthMonitor;
  budget: RetryBudget;
  clock: Clock;
  logger: Logger;
  random?: () => number;
  /** Client-side budgets per key and the wait queue. */
  limits: Limits;
  /**
   * Tokens a request is charged against a TPM budget: its prompt's plus its output budget. May be async (a
   * tokenizer loaded on first use); asked only when a TPM budget applies to the target.
   */
  countTokens: (request: ChatRequest, provider: string, model: string) => number | Promise<number>;
  /**
   * A quick, synchronous upper bound of the same, spent against a remainder a provider stated when no TPM
   * budget asked for the exact count.
   */
  estimateTokens: (request: ChatRequest, provider: string, model: string) => number;
}

export interface ExecuteInput {
  request: ChatRequest;
  clientStream: boolean;
  includeUsage: boolean;
  signal: AbortSignal;
  /** The client may lower the deadline for one request (x-switchyard-deadline-ms). */
  deadlineMs?: number;
  /** The request's `include_reasoning`; undefined leaves it to the route's `includeReasoning`. */
  includeReasoning?: boolean;
}

export interface ServedBase {
  provider: string;
  model: string;
  key: string;
  attempts: AttemptRecord[];
  fallbackReasons: string[];
  warnings: Warning[];
  firstByteMs: number;
  /** Time spent waiting for client-side budget (x-switchyard-queue-ms), ms. */
  queueMs: number;
}

export type Served =
  | (ServedBase & {
      type: 'json';
      body: ChatCompletion /** The upstream's own text, to relay as it came. */;
      raw?: string;
    })
  | (ServedBase & {
      type: 'stream';
      /** Yields every chunk; throws UpstreamFailure if the stream breaks after the commit point. */
      chunks: AsyncGenerator<ChatCompletionChunk, void, undefined>;
    })
  | (ServedBase & {
      type: 'sse';
      /** The upstream's own events, to relay byte for byte; throws like `chunks`. */
      batches: AsyncGenerator<RawSseBatch, void, undefined>;
    });
