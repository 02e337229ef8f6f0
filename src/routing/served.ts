/**
 * What the routing engine needs (EngineDeps), what it is asked (ExecuteInput) and what it hands the HTTP
 * layer when a provider serves (Served): a JSON body, parsed chunks, or the upstream's own SSE events.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, RawSseBatch, Warning } from '../../providers/types.ts';
import type { Clock } from '../clock.ts';
import type { GatewayConfig } from '../config/load-config.ts';
import type { HealthMonitor } from '../health/types.ts';
import type { KeyPool } from '../limits/key-pool.ts';
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
