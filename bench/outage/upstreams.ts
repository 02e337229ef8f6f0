/**
 * The three loopback providers of the outage benchmark: the provider mocks (mocks/), each recording the
 * arrival time of every chat request and, for OpenAI, failing each request according to the phase in force.
 *
 * A per-request random fault ("3 % of requests fail") is not part of MockUpstream's API, which offers a fault
 * queue (`failNext`) and a sticky fault (`failAlways`). MockUpstream records a chat request in `requests` and,
 * synchronously after that, takes the next queued fault; hooking `requests.push` therefore lets us decide
 * each request's fate just in time and queue it with `failNext`. `verifyFaultHook` checks at start-up that
 * this still holds, so a change in the mock cannot silently turn the incident into a healthy run.
 */

import { ANTHROPIC_MOCK_DEFAULT_SCRIPT, anthropicWire } from '../../mocks/anthropic-mock.ts';
import { GEMINI_MOCK_DEFAULT_SCRIPT, geminiWire } from '../../mocks/gemini-mock.ts';
import type { Fault, ProviderWire, RecordedRequest, Script } from '../../mocks/mock-upstream.ts';
import { MockUpstream } from '../../mocks/mock-upstream.ts';
import { OPENAI_MOCK_DEFAULT_SCRIPT, openaiFaults, openaiWire } from '../../mocks/openai-mock.ts';
import type { OpenAIBehaviour } from './scenario.ts';

export type ProviderName = 'openai' | 'anthropic' | 'gemini';
export const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic', 'gemini'];

/** How an upstream request was answered: normally, or with an injected fault. */
export type InjectedFault = 'server_error' | 'rate_limited';

export interface Arrival {
  /** Epoch ms. */
  at: number;
  fault: InjectedFault | null;
}

/** Decides, for a request arriving now, whether it fails and how. */
export type FaultPolicy = (now: number) => { fault: Fault; label: InjectedFault } | undefined;

export class ScriptedUpstream extends MockUpstream {
  readonly provider: ProviderName;
  readonly arrivals: Arrival[] = [];
  private policy: FaultPolicy = () => undefined;

  constructor(provider: ProviderName, wire: ProviderWire, script: Script) {
    super(wire, script);
    this.provider = provider;
    const push = this.requests.push.bind(this.requests);
    this.requests.push = (...items: RecordedRequest[]): number => {
      for (let i = 0; i < items.length; i++) this.arrive();
      return push(...items);
    };
  }

  setFaultPolicy(policy: FaultPolicy): void {
    this.policy = policy;
  }

  /** Forgets arrivals (after the baseline measurement). */
  clearArrivals(): void {
    this.arrivals.length = 0;
  }

  private arrive(): void {
    const now = Date.now();
    const decision = this.policy(now);
    if (decision) this.failNext(decision.fault);
    this.arrivals.push({ at: now, fault: decision?.label ?? null });
  }
}

export interface Upstreams {
  openai: ScriptedUpstream;
  anthropic: ScriptedUpstream;
  gemini: ScriptedUpstream;
  all: ScriptedUpstream[];
  close(): Promise<void>;
}

export async function startUpstreams(): Promise<Upstreams> {
  const openai = await new ScriptedUpstream('openai', openaiWire, OPENAI_MOCK_DEFAULT_SCRIPT).start();
  const anthropic = await new ScriptedUpstream('anthropic', anthropicWire, ANTHROPIC_MOCK_DEFAULT_SCRIPT).start();
  const gemini = await new ScriptedUpstream('gemini', geminiWire, GEMINI_MOCK_DEFAULT_SCRIPT).start();
  const all = [openai, anthropic, gemini];
  return {
    openai,
    anthropic,
    gemini,
    all,
    async close() {
      await Promise.all(all.map((mock) => mock.close()));
    },
  };
}

/** The fault (if any) OpenAI answers one request with, under a behaviour; `random` draws in [0, 1). */
export function faultFor(
  behaviour: OpenAIBehaviour,
  random: () => number,
): { fault: Fault; label: InjectedFault } | undefined {
  switch (behaviour.kind) {
    case 'healthy':
      return undefined;
    case 'server_error':
      if (behaviour.share < 1 && random() >= behaviour.share) return undefined;
      return { fault: openaiFaults.serverError(), label: 'server_error' };
    case 'rate_limited':
      if (behaviour.share < 1 && random() >= behaviour.share) return undefined;
      return {
        fault: openaiFaults.rateLimited({ retryAfterSeconds: behaviour.retryAfterSeconds }),
        label: 'rate_limited',
      };
  }
}

/** One direct chat request to the mock under a forced fault policy: proves the hook decides the answer. */
export async function verifyFaultHook(mock: ScriptedUpstream): Promise<void> {
  const ask = async (): Promise<number> => {
    const response = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping' }] }),
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    return response.status;
  };
  mock.setFaultPolicy(() => faultFor({ kind: 'server_error', share: 1 }, Math.random));
  const failed = await ask();
  mock.setFaultPolicy(() => undefined);
  const healthy = await ask();
  mock.clearArrivals();
  if (failed !== 500 || healthy !== 200) {
    throw new Error(
      `the fault hook on the ${mock.provider} mock does not work (got ${failed} then ${healthy}, expected 500 then 200): has MockUpstream changed?`,
    );
  }
}
