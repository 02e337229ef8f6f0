/**
 * The Workers budget: bundle size and CPU per request inside workerd. Bundles the Worker as `wrangler
 * deploy` would, reports its size raw and gzipped, then runs it under workerd (Miniflare, with the
 * SwitchyardState Durable Object bound) against the loopback upstream (bench/overhead/upstream.ts) and counts the
 * workerd process's CPU time (user + system, /proc) over sequential requests of each kind:
 * - json: a chat completion answered by OpenAI;
 * - stream: a streamed one (40 chunks, no pacing);
 * - failover: OpenAI answers 500 (attempt, retry) and Anthropic serves (a canned Messages answer);
 * and the first request of a fresh isolate (config, gateway and store set-up included).
 * The process figure includes the Durable Object's share (at most one health call a second per isolate).
 *
 *   npm run bench:workers              about a minute
 *   node bench/overhead/workers.ts --requests N per kind (default 300)
 *
 * Talks only to 127.0.0.1; every loop is bounded; the upstream child and workerd stop at the end.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type Child, startChild, stopAllChildren } from '../lib/children.ts';
import { freePort } from '../lib/ports.ts';
import { cpuTimeMs } from '../lib/proc.ts';
import { bundleWorker, type RunningWorkerd, startWorkerd } from '../lib/workerd.ts';
import { chatRequestBody } from './fixtures.ts';
import { UPSTREAM_SCRIPT, upstreamEnv } from './subjects.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '300' } } });
const REQUESTS = Math.min(5000, Math.max(10, Number(values.requests)));
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

async function send(worker: RunningWorkerd, body: string): Promise<void> {
  const response = await fetch(`${worker.url}/v1/chat/completions`, {
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
  const cpu0 = cpuTimeMs(pid);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await send(worker, body);
  return { cpuMs: (cpuTimeMs(pid) - cpu0) / count, wallMs: (performance.now() - t0) / count };
}

async function main(): Promise<void> {
  const bundle = bundleWorker();
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
  const baseEnv = {
    GATEWAY_API_KEYS: GATEWAY_KEY,
    OPENAI_API_KEY: 'sk-bench',
    ANTHROPIC_API_KEY: 'sk-ant-bench',
    SWITCHYARD_LOG_LEVEL: 'error',
    SWITCHYARD_CONFIG_YAML: NO_TRIPS,
  };
  const rows: Array<[string, string]> = [];
  try {
    const healthy = await startWorkerd(bundle, { env: { ...baseEnv, OPENAI_BASE_URL: `${upstream.url}/v1` } });
    try {
      const pid = healthy.pid()!;
      const before = cpuTimeMs(pid);
      const t0 = performance.now();
      await send(healthy, chatRequestBody({ stream: false, maxTokens: 256 }));
      rows.push([
        'first request of a new isolate (json)',
        `${(cpuTimeMs(pid) - before).toFixed(1)} ms CPU, ${(performance.now() - t0).toFixed(1)} ms wall`,
      ]);
      const json = await cpuPerRequest(healthy, chatRequestBody({ stream: false, maxTokens: 256 }), REQUESTS);
      rows.push(['json', `${json.cpuMs.toFixed(2)} ms CPU, ${json.wallMs.toFixed(2)} ms wall`]);
      const stream = await cpuPerRequest(healthy, chatRequestBody({ stream: true, maxTokens: 40 }), REQUESTS);
      rows.push(['stream (40 chunks)', `${stream.cpuMs.toFixed(2)} ms CPU, ${stream.wallMs.toFixed(2)} ms wall`]);
    } finally {
      await healthy.close();
    }
    const failover = await startWorkerd(bundle, {
      env: { ...baseEnv, OPENAI_BASE_URL: `${urlOf(failing)}/v1`, ANTHROPIC_BASE_URL: urlOf(anthropic) },
    });
    try {
      const result = await cpuPerRequest(failover, chatRequestBody({ stream: false, maxTokens: 256 }), REQUESTS);
      rows.push([
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
  }
  console.log(
    `Switchyard on workerd ${bundle.compatibilityDate} (${bundle.compatibilityFlags.join(', ')}), ${REQUESTS} sequential requests per kind`,
  );
  console.log(`bundle: ${(raw.length / 1024).toFixed(1)} KiB, gzip ${(gzip / 1024).toFixed(1)} KiB`);
  console.log('CPU per request of the workerd process (isolate + Durable Object), and wall time:');
  for (const [kind, figure] of rows) console.log(`  ${kind.padEnd(44)} ${figure}`);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAllChildren();
  process.exitCode = 1;
});
