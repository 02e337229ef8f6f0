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
  readonly rates: readonly RateBudget[];
  readonly rateCosts: readonly number[];
  readonly counters: readonly string[];
  readonly learnedId: string;
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

/** Per key and model: what was sent (send sequence numbers) and what the provider said. */
interface KeyModelRecord {
  requests: number;
  tokens: number;
  learned?: LearnedLimits;
}

/** Key+model records kept at most (model names come from clients); records that no longer bind go first. */
const MAX_RECORDS = 2000;

export class KeyBudgets {
  private readonly providers: ReadonlyMap<string, ProviderLimits>;
  private readonly makeRate: (id: string, limit: number) => RateBudget;
  private readonly rates = new Map<string, RateBudget>();
  private readonly inFlight = new InFlight();
  private readonly records = new Map<string, KeyModelRecord>();
  private readonly choices = new Map<string, BudgetChoice | null>();

  constructor(providers: ReadonlyMap<string, ProviderLimits>, makeRate: (id: string, limit: number) => RateBudget) {
    this.providers = providers;
    this.makeRate = makeRate;
  }

  /** A permit (the request's share is taken), or why not and for how long. */
  admit(request: BudgetRequest, now: number): Permit | Refusal {
    const { keyId, model } = request;
    const choice = this.choiceFor(request.provider, model);
    const learnedId = `${keyId}|${model}`;
    const record = this.record(learnedId, now);
    const learned = record.learned;
    const counters: string[] = [];
    if (choice?.keyConcurrency !== undefined) {
      if (this.inFlight.get(keyId) >= choice.keyConcurrency)
        return { waitMs: Number.POSITIVE_INFINITY, reason: 'concurrency' };
      counters.push(keyId);
    }
    if (choice?.modelConcurrency !== undefined) {
      const id = `${keyId}|${choice.bucket}`;
      if (this.inFlight.get(id) >= choice.modelConcurrency)
        return { waitMs: Number.POSITIVE_INFINITY, reason: 'concurrency' };
      counters.push(id);
    }
    const needsTokens =
      choice?.tpm !== undefined || (learned?.remainingTokens !== undefined && (learned.tokensResetAt ?? 0) > now);
    const tokens = needsTokens ? request.tokens() : 0;
    if (learned) {
      const wait = learnedWait(learned, tokens, now);
      if (wait > 0) return { waitMs: Math.ceil(wait), reason: 'learned' };
    }
    const rates: RateBudget[] = [];
    const rateCosts: number[] = [];
    if (choice?.rpm !== undefined) {
      const rpm = this.rate(`${keyId}|${choice.bucket}|rpm`, choice.rpm);
      const wait = rpm.waitMs(1, now);
      if (wait > 0) return { waitMs: wait, reason: 'rpm' };
      rates.push(rpm);
      rateCosts.push(1);
    }
    if (choice?.tpm !== undefined && tokens > 0) {
      const tpm = this.rate(`${keyId}|${choice.bucket}|tpm`, choice.tpm);
      const wait = tpm.waitMs(tokens, now);
      if (wait > 0) return { waitMs: wait, reason: 'tpm' };
      rates.push(tpm);
      rateCosts.push(tokens);
    }
    // Everything fits: take it all.
    for (let i = 0; i < rates.length; i++) rates[i]!.spend(rateCosts[i]!, now);
    for (const id of counters) this.inFlight.add(id);
    if (learned) spendLearned(learned, tokens);
    record.requests += 1;
    record.tokens += tokens;
    return {
      keyId,
      tokens,
      rates,
      rateCosts,
      counters,
      learnedId,
      seq: record.requests,
      tokensSent: record.tokens,
      released: false,
    };
  }

  /** The request's answer has been read (or it failed): its in-flight slots free. Idempotent. */
  release(permit: Permit): void {
    if (permit.released) return;
    permit.released = true;
    for (const id of permit.counters) this.inFlight.remove(id);
  }

  /** The request never reached the provider (a translator refused it): its charges come back. */
  refund(permit: Permit, now: number): void {
    for (let i = 0; i < permit.rates.length; i++) permit.rates[i]!.refund(permit.rateCosts[i]!, now);
  }

  /** An answer's rate-limit headers. */
  learnAnswer(permit: Permit, snapshot: RateLimitSnapshot, now: number): void {
    const record = this.record(permit.learnedId, now);
    // A record evicted and started again since this request was sent: its sequence numbers mean nothing now.
    if (record.requests < permit.seq) return;
    const mark = {
      seq: permit.seq,
      requestsSince: record.requests - permit.seq,
      tokensSince: record.tokens - permit.tokensSent,
    };
    record.learned = learnFromAnswer(record.learned, snapshot, mark, now);
  }

  /** A 429 that said how long to wait (Retry-After, reset durations, Gemini RetryInfo). */
  learnRateLimit(permit: Permit, retryAfterMs: number, now: number): void {
    const record = this.record(permit.learnedId, now);
    record.learned = learnFromRateLimit(record.learned, retryAfterMs, now);
  }

  /** Forgets spent budgets and what providers said (requests in flight keep their slots). */
  forget(): void {
    this.rates.clear();
    this.records.clear();
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
    for (const [id, record] of this.records) {
      if (record.learned && id.startsWith(prefix)) learned.push([id.slice(prefix.length), record.learned]);
    }
    return { rates, learned, inFlight: this.inFlight.get(keyId) };
  }

  private choiceFor(provider: string, model: string): BudgetChoice | undefined {
    const limits = this.providers.get(provider);
    if (!limits) return undefined;
    const id = `${provider}|${model}`;
    let choice = this.choices.get(id);
    if (choice === undefined) {
      if (this.choices.size >= MAX_RECORDS) this.choices.clear();
      choice = budgetFor(limits, model) ?? null;
      this.choices.set(id, choice);
    }
    return choice ?? undefined;
  }

  private rate(id: string, limit: number): RateBudget {
    let rate = this.rates.get(id);
    if (!rate) {
      rate = this.makeRate(id, limit);
      this.rates.set(id, rate);
    }
    return rate;
  }

  private record(id: string, now: number): KeyModelRecord {
    let record = this.records.get(id);
    if (!record) {
      if (this.records.size >= MAX_RECORDS) this.evict(now);
      record = { requests: 0, tokens: 0 };
      this.records.set(id, record);
    }
    return record;
  }

  /** Drops the records that no longer restrict anything (all of them, if a flood of model names left none). */
  private evict(now: number): void {
    for (const [id, record] of this.records) {
      if (!record.learned || !learnedBinds(record.learned, now)) this.records.delete(id);
    }
    if (this.records.size >= MAX_RECORDS) this.records.clear();
  }
}
