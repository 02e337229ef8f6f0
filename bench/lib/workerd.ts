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
  /** Start a Worker that calls the first one through a service binding and cancels the call (see fetchCancelled). */
  cancellingCaller?: boolean;
}

export interface RunningWorkerd {
  url: string;
  /** Fetches through the second Worker (another isolate sharing the object). */
  fetchB(path: string, init?: RequestInit): Promise<Response>;
  /**
   * Sends a request to the first Worker from another Worker, which cancels it after `afterMs` if no response
   * has come: what Cloudflare does when a client goes away before the response starts. (A client leaving
   * workerd's own HTTP socket is not noticed until a response is written, see CANCELLING_CALLER.) Resolves
   * with what the caller saw: `answered <status>` or `cancelled`.
   */
  fetchCancelled(path: string, init: RequestInit, afterMs: number): Promise<string>;
  /** What the Worker wrote to its console, one entry per line. */
  logs: string[];
  /** The workerd process id (for CPU accounting). */
  pid(): number | undefined;
  close(): Promise<void>;
}

/**
 * workerd fires `request.signal` (enable_request_signal) when the request to the Worker is cancelled. Its local
 * HTTP server does not cancel a request whose client disconnects before the response (KJ's HttpServer does not
 * watch the connection while the service runs: "TODO(perf): If the client disconnects, should we cancel the
 * response?" in kj/compat/http.c++), but a service binding call that its caller aborts is cancelled at once.
 */
const CANCELLING_CALLER = `export default {
  async fetch(request, env) {
    const afterMs = Number(request.headers.get('x-cancel-after-ms'));
    const headers = new Headers(request.headers);
    headers.delete('x-cancel-after-ms');
    const body = request.method === 'GET' ? undefined : await request.text();
    const controller = new AbortController();
    const call = env.TARGET.fetch(request.url, { method: request.method, headers, body, signal: controller.signal });
    const timer = setTimeout(() => controller.abort(), afterMs);
    try {
      const response = await call;
      clearTimeout(timer);
      await response.body?.cancel();
      return new Response('answered ' + response.status);
    } catch {
      return new Response('cancelled');
    }
  },
};
`;

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
    ...(options.cancellingCaller
      ? [
          {
            name: 'caller',
            modules: true,
            script: CANCELLING_CALLER,
            compatibilityDate: bundle.compatibilityDate,
            serviceBindings: { TARGET: 'a' },
          },
        ]
      : []),
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
    async fetchCancelled(path, init, afterMs) {
      const caller = (await mf.getWorker('caller')) as unknown as {
        fetch(url: string, init?: RequestInit): Promise<Response>;
      };
      const headers = new Headers(init.headers);
      headers.set('x-cancel-after-ms', String(afterMs));
      return (await caller.fetch(`http://gateway${path}`, { ...init, headers })).text();
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
