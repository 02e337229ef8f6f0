/**
 * The resilience policy: how hard the gateway tries before it gives up. Settable globally and per route.
 * Defaults follow field practice for LLM APIs (see README "Retries, deadlines and failover").
 */
export interface RetryPolicy {
  /** Attempts per request across all providers and keys (first attempts included). */
  maxAttempts: number;
  /** Attempts at one provider for one request before moving on (first attempt included). */
  maxAttemptsPerProvider: number;
  /** Full-jitter exponential backoff: sleep = random(0, min(cap, base * factor^n)). */
  baseDelayMs: number;
  factor: number;
  maxDelayMs: number;
  /** A longer first backoff for overloads (503, Anthropic 529): the upstream asked for breathing room. */
  overloadBaseDelayMs: number;
  /** The whole retry-and-failover loop must finish within this. */
  deadlineMs: number;
  /** An attempt that produces no first token within this is abandoned as a timeout. */
  firstTokenTimeoutMs: number;
  /** A stream silent for this long between tokens is abandoned. */
  idleTimeoutMs: number;
  /** Retries at a provider may be at most this share of its recent requests (retry budget). */
  retryBudgetRatio: number;
  /** Retries always allowed per budget window, so a quiet gateway can still retry. */
  retryBudgetMinimum: number;
  /** Provider order when a model has no route of its own. */
  order: string[];
  /**
   * A JSON client's request is streamed from the provider internally, so that first-token and idle timeouts
   * catch hangs without cutting off long generations, and the answer is rebuilt from the chunks:
   * `translated` (default) for Anthropic and Gemini, whose answers are rebuilt by the gateway anyway, but not
   * for the OpenAI passthrough, whose JSON answer is relayed as it came; `always`; `never`.
   */
  streamInternally: StreamInternally;
  /**
   * A JSON call (not streamed internally) that has not answered within this is abandoned as a timeout and
   * failed over. It bounds the whole generation, so it must exceed the longest answer expected.
   */
  nonStreamingTimeoutMs: number;
}

export type StreamInternally = 'always' | 'translated' | 'never';

export const DEFAULT_POLICY: RetryPolicy = {
  maxAttempts: 6,
  maxAttemptsPerProvider: 2,
  baseDelayMs: 1000,
  factor: 2,
  maxDelayMs: 60_000,
  overloadBaseDelayMs: 2000,
  deadlineMs: 120_000,
  firstTokenTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  retryBudgetRatio: 0.2,
  retryBudgetMinimum: 10,
  order: ['openai', 'anthropic', 'gemini'],
  streamInternally: 'translated',
  // Long enough for a long non-streamed generation (a few thousand tokens at tens of tokens a second), short
  // enough that a hung call leaves half of the default 120 s deadline for the fallback.
  nonStreamingTimeoutMs: 60_000,
};
