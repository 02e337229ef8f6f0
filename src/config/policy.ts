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
   * Non-streaming requests are streamed from the provider internally so that first-token and idle timeouts
   * catch hangs without cutting off long generations. Off: one plain call bounded by the deadline.
   */
  streamInternally: boolean;
}

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
  streamInternally: true,
};
