/**
 * The contract between routing and health.
 *
 * Routing reports an Outcome for every attempt and reads provider states from a local snapshot; it never
 * waits on the store behind it (memory or Redis). Health never imports providers or routing.
 */

/**
 * Whose fault a failed attempt was, as routing's classification table (src/routing/classify.ts) says: a
 * `provider` fault counts as an error, a `client` fault (a bad request, a prompt too long) as a request only.
 */
export type Fault = 'provider' | 'client';

export interface Outcome {
  provider: string;
  /** The upstream model asked for; health keeps per provider+model windows too. */
  model: string;
  ok: boolean;
  /**
   * The failure's kind when !ok (UpstreamFailure.kind, e.g. `server`, `rate_limit`): a label here; health reads
   * it only to find 429s and 5xx that came without a status.
   */
  kind?: string;
  /** Whose fault the failure was; a failure without one counts against the provider. */
  fault?: Fault;
  /** Upstream HTTP status when there was one. */
  status?: number;
  /** Time to first byte/token of the attempt, ms (when it got that far). */
  firstByteMs?: number;
  /** Whole attempt, ms. */
  latencyMs: number;
  /** True on the last failed attempt of a request at this provider: the gateway gave up on it. */
  retriesExhausted: boolean;
  /** Whether this attempt was a probe of a tripped provider. */
  probe?: boolean;
  /** Clock time the attempt ended, ms. */
  at: number;
}

/**
 * healthy: normal traffic. tripped: skipped while any other provider can serve. probing: a small share of
 * real requests goes to it (still protected by failover). drained: taken out by an operator; used only when
 * nothing else can serve.
 */
export type HealthState = 'healthy' | 'tripped' | 'probing' | 'drained';

export interface ProviderHealth {
  provider: string;
  state: HealthState;
  /** 1 = perfectly healthy, 0 = nothing succeeds. */
  score: number;
  /** Clock time the state was entered. */
  since: number;
  /** Which signal tripped it, e.g. `error_rate`, `fast_trip`, `manual`. */
  reason?: string;
}

export interface HealthView {
  /** Synchronous, from the in-process snapshot. Unknown providers are healthy. */
  get(provider: string): ProviderHealth;
  /**
   * For a provider that is tripped or probing: whether this request should be sent to it as a probe.
   * Synchronous; decides locally from the configured probe share.
   */
  admitProbe(provider: string): boolean;
}

export interface HealthMonitor extends HealthView {
  /** Synchronous: aggregates locally; flushing to the store happens in the background. */
  record(outcome: Outcome): void;
  all(): ProviderHealth[];
  drain(provider: string): Promise<void>;
  restore(provider: string): Promise<void>;
  /** Which store backs it and whether it is running on local state because the store is unreachable. */
  /** `syncMs`: the last successful round trip to the store (flush and read), ms. */
  storeStatus(): { store: 'memory' | 'redis' | 'durable'; degraded: boolean; lastError?: string; syncMs?: number };
  close(): Promise<void>;
}
