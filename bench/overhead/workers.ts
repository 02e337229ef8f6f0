/**
 * The Workers budget: bundle size and CPU per request inside workerd. Bundles the Worker as `wrangler
 * deploy` would, reports its size raw and gzipped, then runs it under workerd (Miniflare, with the
 * SwitchyardState Durable Object bound) against the loopback upstream (bench/overhead/upstream.ts) and counts the
 * workerd process's CPU time (every thread's run time, /proc/<pid>/task/<tid>/schedstat, to the ns):
 * - a new isolate: a fresh workerd per sample, its start-up (the bundle parsed and its global scope
 *   evaluated) and its first request (set-up from the bindings, the store, the request, and the work it
 *   hands to waitUntil), for a JSON request with the settings in variables only, with SWITCHYARD_CONFIG_YAML,
 *   without the Durable Object binding, and for a first request that fails over to Anthropic. An empty
 *   Worker measured the same way is the harness's own share (workerd, Miniflare's entry Worker) and is
 *   subtracted;
 * - warm, over sequential requests: json (answered by OpenAI), stream (40 chunks, no pacing), failover
 *   (OpenAI answers 500, attempt and retry, then Anthropic serves a canned Messages answer).
 * The process figures include the Durable Object's share (at most one health call a second per isolate),
 * which in production runs, and is billed, apart from the Worker's request.
 *
 *   npm run bench:workers              about two minutes
 *   node bench/overhead/workers.ts --requests N per warm kind (default 300) --isolates N per new-isolate kind (default 5)
 *
 * Talks only to 127.0.0.1; every loop is bounded; the upstream child and workerd stop at the end.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type Child, startChild, stopAllChildren } from '../lib/children.ts';
import { freePort } from '../lib/ports.ts';
import { threadCpuTimeMs } from '../lib/proc.ts';
import { median } from '../lib/stats.ts';
import { bundleWorker, type RunningWorkerd, startWorkerd, type WorkerBundle } from '../lib/workerd.ts';
import { chatRequestBody } from './fixtures.ts';
import { UPSTREAM_SCRIPT, upstreamEnv } from './subjects.ts';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '300' }, isolates: { type: 'string', default: '5' } },
});
const REQUESTS = Math.min(5000, Math.max(10, Number(values.requests)));
const ISOLATES = Math.min(50, Math.max(1, Number(values.isolates)));
/** After a first response: the health sync it handed to waitUntil is part of that request's CPU. */
const SETTLE_MS = 300;
const GATEWAY_KEY = 'bench-gateway-key';
/** No health thresholds: the failover kind must keep trying OpenAI on every request. */
const NO_TRIPS = JSON.stringify({
  health: {
    thresholds: {
      errorRate: { enabled: false },
      rateLimitRate: { enabled: false },
      serverErrorRate: { enabled: false },
      retryExhaustionRate: { enabled: false },
      p99Latency: { enabled: false },
      fastTrip: { enabled: false },
    },
  },
});

const ANTHROPIC_ANSWER = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-6',
  content: [{ type: 'text', text: 'Hello from Claude.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 5 },
});

/** The same answer as Anthropic streams it (the gateway streams internally by default). */
const ANTHROPIC_STREAM = [
  [
    'message_start',
    {
      type: 'message_start',
      message: {
        ...JSON.parse(ANTHROPIC_ANSWER),
        content: [],
        stop_reason: null,
        usage: { input_tokens: 12, output_tokens: 1 },
      },
    },
  ],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  [
    'content_block_delta',
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello from Claude.' } },
  ],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  [
    'message_delta',
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } },
  ],
  ['message_stop', { type: 'message_stop' }],
]
  .map(([event, data]) => `event: ${event as string}\ndata: ${JSON.stringify(data)}\n\n`)
  .join('');

function listen(handler: (path: string) => { status: number; body: string }, stream?: string): Promise<Server> {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      if (stream && /"stream"\s*:\s*true/.test(raw)) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': Buffer.byteLength(stream) });
        res.end(stream);
        return;
      }
      const { status, body } = handler(req.url ?? '/');
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** The loopback upstream, unpaced, through the benchmarks' one launcher. */
async function startUpstream(): Promise<Child> {
  const port = await freePort();
  return startChild({
    name: 'upstream',
    nodeArgs: [UPSTREAM_SCRIPT],
    env: upstreamEnv(port, { ttfbMs: 0, intervalMs: 0, chunks: 40 }),
    port,
    readyTimeoutMs: 5000,
  });
}

async function send(worker: RunningWorkerd, body: string, path = '/v1/chat/completions'): Promise<void> {
  const response = await fetch(`${worker.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`gateway answered ${response.status}: ${text.slice(0, 300)}`);
}

/** CPU ms of the workerd process per request over `count` sequential requests (after a warm-up). */
async function cpuPerRequest(
  worker: RunningWorkerd,
  body: string,
  count: number,
): Promise<{ cpuMs: number; wallMs: number }> {
  const pid = worker.pid();
  if (pid === undefined) throw new Error('no workerd process found');
  for (let i = 0; i < 20; i++) await send(worker, body);
  const cpu0 = threadCpuTimeMs(pid);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await send(worker, body);
  return { cpuMs: (threadCpuTimeMs(pid) - cpu0) / count, wallMs: (performance.now() - t0) / count };
}

interface NewIsolate {
  /** workerd's CPU until it was ready: its own start, Miniflare's Workers, the bundle's global scope. */
  startupMs: number;
  /** The first request, and the waitUntil work it left. */
  firstMs: number;
}

/** `ISOLATES` fresh workerd processes, each asked one request: the medians. */
async function newIsolates(
  bundle: WorkerBundle,
  env: Record<string, string>,
  request: { body: string; path?: string },
  durable = true,
): Promise<NewIsolate> {
  const startups: number[] = [];
  const firsts: number[] = [];
  for (let i = 0; i < ISOLATES; i++) {
    const worker = await startWorkerd(bundle, { env, durable });
    try {
      const pid = worker.pid();
      if (pid === undefined) throw new Error('no workerd process found');
      const ready = threadCpuTimeMs(pid);
      await send(worker, request.body, request.path);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      startups.push(ready);
      firsts.push(threadCpuTimeMs(pid) - ready);
    } finally {
      await worker.close();
    }
  }
  return { startupMs: median(startups), firstMs: median(firsts) };
}

/** A Worker that answers every request with "ok": what workerd and Miniflare cost by themselves. */
function emptyWorker(template: WorkerBundle): WorkerBundle {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-empty-worker-'));
  const script = join(dir, 'worker.js');
  writeFileSync(script, "export default { fetch() { return new Response('ok'); } };\n");
  return { ...template, dir, script, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function main(): Promise<void> {
  const bundle = bundleWorker();
  const empty = emptyWorker(bundle);
  const raw = readFileSync(bundle.script);
  const gzip = gzipSync(raw, { level: 9 }).length;
  const upstream = await startUpstream();
  const failing = await listen(() => ({
    status: 500,
    body: JSON.stringify({
      error: { message: 'The server had an error.', type: 'server_error', param: null, code: null },
    }),
  }));
  const anthropic = await listen(() => ({ status: 200, body: ANTHROPIC_ANSWER }), ANTHROPIC_STREAM);
  // Every provider on loopback: the key checks a new isolate starts call each configured provider.
  const keys = {
    GATEWAY_API_KEYS: GATEWAY_KEY,
    OPENAI_API_KEY: 'sk-bench',
    ANTHROPIC_API_KEY: 'sk-ant-bench',
    ANTHROPIC_BASE_URL: urlOf(anthropic),
    SWITCHYARD_LOG_LEVEL: 'error',
  };
  const healthyEnv = { ...keys, OPENAI_BASE_URL: `${upstream.url}/v1` };
  const failoverEnv = { ...keys, OPENAI_BASE_URL: `${urlOf(failing)}/v1` };
  const json = { body: chatRequestBody({ stream: false, maxTokens: 256 }) };
  const fresh: Array<[string, NewIsolate]> = [];
  const warm: Array<[string, string]> = [];
  let floor: NewIsolate;
  try {
    floor = await newIsolates(empty, {}, { body: '{}' }, false);
    fresh.push(['JSON, settings in variables only', await newIsolates(bundle, healthyEnv, json)]);
    fresh.push([
      'JSON, with SWITCHYARD_CONFIG_YAML',
      await newIsolates(bundle, { ...healthyEnv, SWITCHYARD_CONFIG_YAML: NO_TRIPS }, json),
    ]);
    fresh.push(['JSON, no Durable Object binding', await newIsolates(bundle, healthyEnv, json, false)]);
    fresh.push(['failover (OpenAI 500 + retry → Anthropic)', await newIsolates(bundle, failoverEnv, json)]);

    // Warm: no health thresholds, so the failover kind keeps trying OpenAI on every request.
    const healthy = await startWorkerd(bundle, { env: { ...healthyEnv, SWITCHYARD_CONFIG_YAML: NO_TRIPS } });
    try {
      const result = await cpuPerRequest(healthy, json.body, REQUESTS);
      warm.push(['json', `${result.cpuMs.toFixed(2)} ms CPU, ${result.wallMs.toFixed(2)} ms wall`]);
      const stream = await cpuPerRequest(healthy, chatRequestBody({ stream: true, maxTokens: 40 }), REQUESTS);
      warm.push(['stream (40 chunks)', `${stream.cpuMs.toFixed(2)} ms CPU, ${stream.wallMs.toFixed(2)} ms wall`]);
    } finally {
      await healthy.close();
    }
    const failover = await startWorkerd(bundle, { env: { ...failoverEnv, SWITCHYARD_CONFIG_YAML: NO_TRIPS } });
    try {
      const result = await cpuPerRequest(failover, json.body, REQUESTS);
      warm.push([
        'failover (OpenAI 500 + retry → Anthropic)',
        `${result.cpuMs.toFixed(2)} ms CPU, ${result.wallMs.toFixed(2)} ms wall`,
      ]);
    } finally {
      await failover.close();
    }
  } finally {
    await upstream.stop();
    failing.close();
    anthropic.close();
    bundle.remove();
    empty.remove();
  }
  console.log(
    `Switchyard on workerd ${bundle.compatibilityDate} (${bundle.compatibilityFlags.join(', ')}), CPU of the workerd process (isolate + Durable Object)`,
  );
  console.log(`bundle: ${(raw.length / 1024).toFixed(1)} KiB, gzip ${(gzip / 1024).toFixed(1)} KiB`);
  console.log(
    `new isolate, median of ${ISOLATES} fresh workerd each, minus an empty Worker's ${floor.startupMs.toFixed(1)} ms start-up / ${floor.firstMs.toFixed(1)} ms first request:`,
  );
  const startups = fresh.map(([, figure]) => figure.startupMs - floor.startupMs);
  console.log(`  ${'start-up: parse + global scope'.padEnd(58)} ${median(startups).toFixed(1)} ms CPU`);
  for (const [kind, figure] of fresh) {
    console.log(`  ${`first request: ${kind}`.padEnd(58)} ${(figure.firstMs - floor.firstMs).toFixed(1)} ms CPU`);
  }
  console.log(`warm, ${REQUESTS} sequential requests per kind, CPU and wall time per request:`);
  for (const [kind, figure] of warm) console.log(`  ${kind.padEnd(58)} ${figure}`);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAllChildren();
  process.exitCode = 1;
});
