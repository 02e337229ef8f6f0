/**
 * Which key of a candidate's pool a request may use now, by the client-side limits: the pool's next usable
 * key that has budget (its permit taken at once), or, when every usable key is out of budget, the soonest
 * any of them frees. Synchronous: the limits answer from local state.
 */
import type { KeyPool, PooledKey } from '../limits/key-pool.ts';
import type { Limits, Permit } from '../limits/limits.ts';

export type KeyChoice =
  | { type: 'key'; key: PooledKey; permit: Permit }
  /** Usable keys exist but none has budget; `waitMs` is Infinity when only an ending request frees one. */
  | { type: 'limited'; waitMs: number; keys: string[] }
  | { type: 'none' };

export function admitKey(
  pool: KeyPool,
  exclude: ReadonlySet<string>,
  limits: Limits,
  model: string,
  tokens: () => number,
): KeyChoice {
  let key = pool.next(exclude);
  if (!key) return { type: 'none' };
  let skipped: Set<string> | undefined;
  const refused: string[] = [];
  let waitMs = Number.POSITIVE_INFINITY;
  while (key) {
    const result = limits.admit(key.id, pool.provider, model, tokens);
    if ('keyId' in result) return { type: 'key', key, permit: result };
    refused.push(key.id);
    waitMs = Math.min(waitMs, result.waitMs);
    skipped ??= new Set(exclude);
    skipped.add(key.id);
    key = pool.next(skipped);
  }
  return { type: 'limited', waitMs, keys: refused };
}

/** Counts a request's tokens for a provider's model once, and only if a budget asks. */
export function tokensOnce(count: () => number): () => number {
  let tokens: number | undefined;
  return () => {
    tokens ??= count();
    return tokens;
  };
}
