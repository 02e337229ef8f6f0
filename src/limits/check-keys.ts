/**
 * Runs the key checks: every configured key's provider call (`Provider.checkKey`: a model listing), all in
 * parallel, each bounded by the timeout, writing what they find to the board. Never blocks a start and
 * never rejects: a check that cannot tell leaves its key `unverified`, which is used as before. A `bad`
 * key is logged as `key_rejected` with `alert: true`, the line routing writes when a request's key is
 * rejected, so whatever alerts on it hears both.
 *
 * Node runs the checks at start-up (and holds the first requests for a moment, see KeyCheckBoard), Workers on
 * an isolate's first request inside `ctx.waitUntil`; keys found bad are checked again every RECHECK_MS
 * (`recheckBadKeys`) and come back when the operator has fixed them.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { KeyCheckBoard, KeyCheckState } from './key-checks.ts';
import type { KeyPool, PooledKey } from './key-pool.ts';

/** How long a bad key waits for its next check. */
export const RECHECK_MS = 10 * 60_000;

export interface KeyCheckOptions {
  board: KeyCheckBoard;
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  /** Requests that pick a key under check wait for it up to this long (0: never). */
  holdMs?: number;
}

export interface KeyCheckReport {
  id: string;
  provider: string;
  state: KeyCheckState;
  reason?: string;
  ms: number;
}

/** Checks every key of `pools` that has a check (or only the keys in `only`). */
export async function checkKeys(
  pools: ReadonlyMap<string, KeyPool>,
  options: KeyCheckOptions,
  only?: ReadonlySet<string>,
): Promise<KeyCheckReport[]> {
  const runs: Array<Promise<KeyCheckReport>> = [];
  for (const [name, pool] of pools) {
    for (const key of pool.all()) {
      if (key.provider.checkKey && (!only || only.has(key.id))) runs.push(checkOne(name, key, options));
    }
  }
  return Promise.all(runs);
}

/** Checks again the keys found bad more than RECHECK_MS ago; resolves at once when there are none. */
export async function recheckBadKeys(
  pools: ReadonlyMap<string, KeyPool>,
  options: KeyCheckOptions,
): Promise<KeyCheckReport[]> {
  const due = options.board.badSince(options.clock.now() - RECHECK_MS);
  return due.length ? checkKeys(pools, { ...options, holdMs: 0 }, new Set(due)) : [];
}

async function checkOne(provider: string, key: PooledKey, options: KeyCheckOptions): Promise<KeyCheckReport> {
  const { board, clock, logger } = options;
  const started = clock.now();
  const controller = new AbortController();
  const cancelTimeout = clock.schedule(options.timeoutMs, () => controller.abort(new Error('key check timeout')));
  const run = key.provider.checkKey!(controller.signal)
    .catch(() => ({ state: 'unverified' as const, reason: 'error' }))
    .finally(cancelTimeout);
  const holdMs = options.holdMs ?? 0;
  let releaseHold = () => {};
  const hold =
    holdMs > 0
      ? new Promise<void>((resolve) => {
          const cancel = clock.schedule(holdMs, () => {
            board.release(key.id);
            resolve();
          });
          releaseHold = () => {
            cancel();
            resolve();
          };
        })
      : undefined;
  board.start(key.id, started, hold);
  const result = await run;
  const ms = clock.now() - started;
  board.finish(key.id, result, clock.now());
  releaseHold();
  const fields = { provider, key: key.id, result: result.state, reason: result.reason, ms };
  if (result.state === 'bad') logger.log('warn', 'key_rejected', { alert: true, check: 'startup', ...fields });
  else logger.log(result.state === 'ok' ? 'info' : 'warn', 'key_checked', fields);
  return { id: key.id, provider, state: result.state, reason: result.reason, ms };
}

/** How long Node's first requests wait for the start-up check of the key they picked, at most. */
export const START_HOLD_MS = 1000;

/** The `--check` table: one line per key, and whether the deploy should stop (some key is bad). */
export function formatKeyChecks(reports: readonly KeyCheckReport[]): { text: string; failed: boolean } {
  const rows = [
    ['key', 'result', 'reason', 'ms'],
    ...reports.map((r) => [r.id, r.state, r.reason ?? '', String(r.ms)]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  const bad = reports.filter((r) => r.state === 'bad').length;
  const unverified = reports.filter((r) => r.state === 'unverified').length;
  const summary =
    reports.length === 0
      ? 'no provider key is configured'
      : `${reports.length} key${reports.length === 1 ? '' : 's'} checked: ${bad} bad, ${unverified} unverified`;
  return { text: [...lines, '', summary].join('\n'), failed: bad > 0 };
}
