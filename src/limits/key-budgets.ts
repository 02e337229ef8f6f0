/**
 * The budget ledger of every provider key: may this request go to this key now, and if not, how long until
 * it may? One synchronous call answers it and, when the answer is yes, takes the request's share at once
 * (a `Permit`), so two requests never see the same free slot. It composes the units that each keep one kind
 * of state: per-minute budgets (`RateBudget`: local GCRA or leased from the fleet), requests in flight
 * (`InFlight`), and what the provider said (`LearnedLimits`, per key and model: providers count per model).
 */
import type { RateLimitSnapshot } from '../../providers/types.ts';
import { type BudgetChoice, budgetFor, type ProviderLimits } from './budget-settings.ts';
import { InFlight } from './in-flight.ts';
import {
  type LearnedLimits,
  learnedBinds,
  learnedWait,
  learnFromAnswer,
  learnFromRateLimit,
  spendLearned,
} from './learned-limits.ts';
import type { RateBudget } from './rate-budget.ts';

export interface BudgetRequest {
  keyId: string;
  provider: string;
  model: string;
  /** Prompt tokens plus the output budget; asked for only when a token budget applies (counting costs CPU). */
  tokens: () => number;
}

/** What an admitted request holds until its answer has been read. */
export interface Permit {
  readonly keyId: string;
  readonly tokens: number;
  /** The key and model it was admitted for (its budgets, counters and what the provider said). */
  readonly lane: Lane;
  /** Whether it holds an in-flight slot (a concurrency bound applies), so its release may free a waiter. */
  readonly holdsSlot: boolean;
  /** The key+model's send count including this request, and the tokens sent up to and including it. */
  readonly seq: number;
  readonly tokensSent: number;
  released: boolean;
}

/** Why a request may not go yet; `waitMs` is Infinity when only an ending request can free the slot. */
export interface Refusal {
  waitMs: number;
  reason: 'rpm' | 'tpm' | 'concurrency' | 'learned';
}

/**
 * One key and model, prepared once: its budgets and in-flight counters resolved from the configuration
 * (so an admission builds no ids), what was sent (send sequence numbers) and what the provider said.
 */
interface Lane {
  keyId: string;
  choice: BudgetChoice | undefined;
  rpm: RateBudget | undefined;
  tpm: RateBudget | undefined;
  modelCounter: string | undefined;
  requests: number;
  tokens: number;
  learned?: LearnedLimits;
}

/** Key+model lanes kept at most (model names come from clients); lanes that no longer bind go first. */
const MAX_LANES = 2000;

export class KeyBudgets {
  private readonly providers: ReadonlyMap<string, ProviderLimits>;
  private readonly makeRate: (id: string, limit: number) => RateBudget;
  private readonly rates = new Map<string, RateBudget>();
  private readonly inFlight = new InFlight();
  private readonly lanes = new Map<string, Lane>();

  constructor(providers: ReadonlyMap<string, ProviderLimits>, makeRate: (id: string, limit: number) => RateBudget) {
    this.providers = providers;
    this.makeRate = makeRate;
  }

  /** A permit (the request's share is taken), or why not and for how long. */
  admit(request: BudgetRequest, now: number): Permit | Refusal {
    const lane = this.lane(request, now);
    const { keyId, choice, rpm, tpm, learned } = lane;
    if (choice?.keyConcurrency !== undefined && this.inFlight.get(keyId) >= choice.keyConcurrency)
      return { waitMs: Number.POSITIVE_INFINITY, reason: 'concurrency' };
    if (lane.modelCounter && this.inFlight.get(lane.modelCounter) >= (choice?.modelConcurrency ?? 0))
      return { waitMs: Number.POSITIVE_INFINITY, reason: 'concurrency' };
    const needsTokens =
      tpm !== undefined || (learned?.remainingTokens !== undefined && (learned.tokensResetAt ?? 0) > now);
    const tokens = needsTokens ? request.tokens() : 0;
    if (learned) {
      const wait = learnedWait(learned, tokens, now);
      if (wait > 0) return { waitMs: Math.ceil(wait), reason: 'learned' };
    }
    if (rpm) {
      const wait = rpm.waitMs(1, now);
      if (wait > 0) return { waitMs: wait, reason: 'rpm' };
    }
    if (tpm && tokens > 0) {
      const wait = tpm.waitMs(tokens, now);
      if (wait > 0) return { waitMs: wait, reason: 'tpm' };
    }
    // Everything fits: take it all.
    rpm?.spend(1, now);
    if (tokens > 0) tpm?.spend(tokens, now);
    const holdsSlot = choice?.keyConcurrency !== undefined || lane.modelCounter !== undefined;
    if (choice?.keyConcurrency !== undefined) this.inFlight.add(keyId);
    if (lane.modelCounter) this.inFlight.add(lane.modelCounter);
    if (learned) spendLearned(learned, tokens);
    lane.requests += 1;
    lane.tokens += tokens;
    return { keyId, tokens, lane, holdsSlot, seq: lane.requests, tokensSent: lane.tokens, released: false };
  }

  /** The request's answer has been read (or it failed): its in-flight slots free. Idempotent. */
  release(permit: Permit): void {
    if (permit.released) return;
    permit.released = true;
    const { lane } = permit;
    if (lane.choice?.keyConcurrency !== undefined) this.inFlight.remove(lane.keyId);
    if (lane.modelCounter) this.inFlight.remove(lane.modelCounter);
  }

  /** The request never reached the provider (a translator refused it): its charges come back. */
  refund(permit: Permit, now: number): void {
    permit.lane.rpm?.refund(1, now);
    if (permit.tokens > 0) permit.lane.tpm?.refund(permit.tokens, now);
  }

  /** An answer's rate-limit headers. */
  learnAnswer(permit: Permit, snapshot: RateLimitSnapshot, now: number): void {
    const { lane } = permit;
    const mark = {
      seq: permit.seq,
      requestsSince: lane.requests - permit.seq,
      tokensSince: lane.tokens - permit.tokensSent,
    };
    lane.learned = learnFromAnswer(lane.learned, snapshot, mark, now);
  }

  /** A 429 that said how long to wait (Retry-After, reset durations, Gemini RetryInfo). */
  learnRateLimit(permit: Permit, retryAfterMs: number, now: number): void {
    permit.lane.learned = learnFromRateLimit(permit.lane.learned, retryAfterMs, now);
  }

  /** Forgets spent budgets and what providers said (requests in flight keep their slots). */
  forget(): void {
    this.rates.clear();
    this.lanes.clear();
  }

  /** The rate budgets, in-flight count and learned records of one key (for `/health`). */
  view(keyId: string): {
    rates: Array<[string, RateBudget]>;
    learned: Array<[string, LearnedLimits]>;
    inFlight: number;
  } {
    const prefix = `${keyId}|`;
    const rates = [...this.rates].filter(([id]) => id.startsWith(prefix));
    const learned: Array<[string, LearnedLimits]> = [];
    for (const [id, lane] of this.lanes) {
      if (lane.learned && id.startsWith(prefix)) learned.push([id.slice(prefix.length), lane.learned]);
    }
    return { rates, learned, inFlight: this.inFlight.get(keyId) };
  }

  /** The key+model's lane, prepared on first use. */
  private lane(request: BudgetRequest, now: number): Lane {
    const id = `${request.keyId}|${request.model}`;
    let lane = this.lanes.get(id);
    if (lane) return lane;
    if (this.lanes.size >= MAX_LANES) this.evict(now);
    const { keyId, model } = request;
    const limits = this.providers.get(request.provider);
    const choice = limits ? budgetFor(limits, model) : undefined;
    const bucket = `${keyId}|${choice?.bucket ?? ''}`;
    lane = {
      keyId,
      choice,
      rpm: choice?.rpm === undefined ? undefined : this.rate(`${bucket}|rpm`, choice.rpm),
      tpm: choice?.tpm === undefined ? undefined : this.rate(`${bucket}|tpm`, choice.tpm),
      modelCounter: choice?.modelConcurrency === undefined ? undefined : bucket,
      requests: 0,
      tokens: 0,
    };
    this.lanes.set(id, lane);
    return lane;
  }

  private rate(id: string, limit: number): RateBudget {
    let rate = this.rates.get(id);
    if (!rate) {
      rate = this.makeRate(id, limit);
      this.rates.set(id, rate);
    }
    return rate;
  }

  /**
   * Drops the lanes that no longer restrict anything (all of them, if a flood of model names left none).
   * Budgets live on in `rates`; a permit keeps its own lane, so an answer still finds what it learns into.
   */
  private evict(now: number): void {
    for (const [id, lane] of this.lanes) {
      if (!lane.learned || !learnedBinds(lane.learned, now)) this.lanes.delete(id);
    }
    if (this.lanes.size >= MAX_LANES) this.lanes.clear();
  }
}
