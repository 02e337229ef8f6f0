/**
 * Which provider/model pairs a request may go to, in what order. Pure: reads the configuration and the
 * in-process health snapshot only, so planning costs nothing on the hot path.
 */
import type { GatewayConfig, Route, RouteTarget } from '../config/load-config.ts';
import type { RetryPolicy } from '../config/policy.ts';
import type { HealthView } from '../health/types.ts';

export interface Candidate extends RouteTarget {
  /** Sent as a probe of a provider that is recovering. */
  probe: boolean;
}

export interface Plan {
  candidates: Candidate[];
  policy: RetryPolicy;
  route?: Route;
}

/** Model-name prefixes that identify a provider's own models, so `claude-…` goes to Anthropic first. */
const NATIVE_PREFIXES: Record<string, readonly string[]> = {
  anthropic: ['claude-'],
  gemini: ['gemini-', 'gemma-'],
};

export function defaultTargets(model: string, config: GatewayConfig): RouteTarget[] {
  const configured = config.providers.map((provider) => provider.name);
  const owner = configured.find((name) => NATIVE_PREFIXES[name]?.some((prefix) => model.startsWith(prefix)));
  const targets: RouteTarget[] = [];
  for (const provider of config.providers) {
    if (owner && provider.name !== owner) continue;
    // Without a route, OpenAI (or a compatible server) is asked for the model the client named; the
    // others serve their configured default model.
    const asNamed = provider.name === 'openai' || provider.name === owner;
    targets.push({ provider: provider.name, model: asNamed ? model : (provider.defaultModel ?? '') });
  }
  if (owner) {
    for (const provider of config.providers) {
      if (provider.name !== owner && provider.name !== 'openai') {
        targets.push({ provider: provider.name, model: provider.defaultModel ?? '' });
      }
    }
  }
  return targets;
}

export function planRequest(
  model: string,
  config: GatewayConfig,
  health: HealthView,
  defaultModelOf: (provider: string) => string,
): Plan {
  const route = config.routes.get(model);
  const configured = new Set(config.providers.map((provider) => provider.name));
  const targets = (route ? route.targets : defaultTargets(model, config))
    .filter((target) => configured.has(target.provider))
    .map((target) => (target.model ? target : { ...target, model: defaultModelOf(target.provider) }));
  return {
    candidates: orderByHealth(targets, health),
    policy: route?.policy ?? config.policy,
    ...(route ? { route } : {}),
  };
}

/**
 * Healthy targets keep their configured order. A recovering (probing) provider keeps its place for the share
 * of requests admitted as probes; otherwise it waits at the back with tripped and drained providers, which
 * are tried only when nothing else can serve.
 */
export function orderByHealth(targets: RouteTarget[], health: HealthView): Candidate[] {
  const front: Candidate[] = [];
  const back: Candidate[] = [];
  const probeDecided = new Map<string, boolean>();
  for (const target of targets) {
    const state = health.get(target.provider).state;
    if (state === 'healthy') {
      front.push({ ...target, probe: false });
      continue;
    }
    if (state === 'probing') {
      let admitted = probeDecided.get(target.provider);
      if (admitted === undefined) {
        admitted = health.admitProbe(target.provider);
        probeDecided.set(target.provider, admitted);
      }
      (admitted ? front : back).push({ ...target, probe: admitted });
      continue;
    }
    back.push({ ...target, probe: false });
  }
  return [...front, ...back];
}
