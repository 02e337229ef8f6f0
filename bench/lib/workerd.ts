/**
 * Runs the deployable Worker inside workerd for tests (test/workers/) and bench/overhead/workers.ts: bundles src/worker.ts with wrangler
 * (the same bundle `wrangler deploy` uploads, offline) and starts it under Miniflare with the compatibility
 * date and flags of wrangler.toml. Two Workers can share one SwitchyardState Durable Object (separate
 * isolates, one shared state), as two locations of a deployment would. Everything listens on loopback.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';

const ROOT = resolve(import.meta.dirname, '../..');

export interface WorkerBundle {
  dir: string;
  /** The bundled module's path. */
  script: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  remove(): void;
}

/** Bundles the Worker as `wrangler deploy --dry-run` does; the compatibility settings come from wrangler.toml. */
export function bundleWorker(): WorkerBundle {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-worker-'));
  execFileSync(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', dir], {
    cwd: ROOT,
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_LOG_PATH: join(dir, 'logs'),
    },
    stdio: 'pipe',
  });
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? '';
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  return {
    dir,
    script: join(dir, 'worker.js'),
    compatibilityDate: date,
    compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]!),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface WorkerdOptions {
  /** Vars and secrets of the first Worker ("a"); the second ("b") gets `envB` or the same. */
  env: Record<string, string>;
  envB?: Record<string, string>;
  /** Start a second Worker bound to the first one's Durable Object. Default false. */
  second?: boolean;
  /** Bind the SwitchyardState Durable Object. Default true. */
  durable?: boolean;
  /** Where the object's SQLite storage is kept, so a new workerd can pick it up. Default: in memory. */
  persistDir?: string;
}

export interface RunningWorkerd {
  url: string;
  /** Fetches through the second Worker (another isolate sharing the object). */
  fetchB(path: string, init?: RequestInit): Promise<Response>;
  /** What the Worker wrote to its console, one entry per line. */
  logs: string[];
  /** The workerd process id (for CPU accounting). */
  pid(): number | undefined;
  close(): Promise<void>;
}

export async function startWorkerd(bundle: WorkerBundle, options: WorkerdOptions): Promise<RunningWorkerd> {
  const logs: string[] = [];
  const durable = options.durable ?? true;
  const worker = (name: string, env: Record<string, string>, ownsObject: boolean) => ({
    name,
    modules: true,
    scriptPath: bundle.script,
    // Module names are relative to this; the bundle lives in a temporary folder outside the repo.
    modulesRoot: bundle.dir,
    compatibilityDate: bundle.compatibilityDate,
    compatibilityFlags: bundle.compatibilityFlags,
    bindings: env,
    ...(durable
      ? {
          durableObjects: {
            SWITCHYARD_STATE: ownsObject
              ? { className: 'SwitchyardState', useSQLite: true }
              : { className: 'SwitchyardState', scriptName: 'a', useSQLite: true },
          },
        }
      : {}),
  });
  const workers = [
    worker('a', options.env, true),
    ...(options.second ? [worker('b', options.envB ?? options.env, false)] : []),
  ];
  const before = new Set(workerdPids());
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: '127.0.0.1',
      port: 0,
      // No network: a placeholder Request.cf instead of fetching the real one.
      cf: false,
      workers,
      ...(options.persistDir ? { resourcePersistencePath: options.persistDir } : {}),
      handleStructuredLogs: (entry: { message: string }) => {
        logs.push(...entry.message.split('\n').filter(Boolean));
      },
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  const url = (await mf.ready).href.replace(/\/$/, '');
  const pid = workerdPids().find((p) => !before.has(p));
  return {
    url,
    logs,
    async fetchB(path, init) {
      const b = (await mf.getWorker('b')) as unknown as { fetch(url: string, init?: RequestInit): Promise<Response> };
      return b.fetch(`http://gateway${path}`, init);
    },
    pid: () => pid,
    close: () => mf.dispose(),
  };
}

/** workerd processes that are children of this process. */
function workerdPids(): number[] {
  try {
    const out = execFileSync('pgrep', ['-P', String(process.pid), 'workerd'], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
