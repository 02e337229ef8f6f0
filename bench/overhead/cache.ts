/**
 * What the response cache costs: CPU per request of the gateway in-process (`app.request`, so only the
 * gateway's own work and its HTTP client to the upstream are counted, via process.cpuUsage) in front of the
 * loopback upstream (bench/overhead/upstream.ts, a child process whose CPU is not counted), for JSON requests and
 * for (unpaced) streams:
 * - no cache: the cache off (the default);
 * - miss: the cache on, every request a new prompt (key, lookup, recording and storing of every answer);
 * - memory hit: the cache on, the same prompt every time (served from the memory store, no upstream call).
 * Subjects are interleaved round by round, so drift on a noisy VM hits them alike; the report gives the
 * median over rounds. Run: npm run bench:cache [-- --quick]
 */

import { loadConfig } from '../../src/config/parse-config-file.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createHealthMonitor } from '../../src/health/health-monitor.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { installCleanup, startChild, stopAllChildren } from '../lib/children.ts';
import { setUpPinning } from '../lib/pinning.ts';
import { freePort } from '../lib/ports.ts';
import { median } from '../lib/stats.ts';
import { UPSTREAM_SCRIPT, upstreamEnv } from './subjects.ts';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const REQUESTS = quick ? 300 : 1500;
const WARMUP = quick ? 200 : 1000;

type Subject = 'no cache' | 'miss' | 'memory hit';
const SUBJECTS: Subject[] = ['no cache', 'miss', 'memory hit'];

function body(stream: boolean, prompt: string): string {
  return JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [
      {
        role: 'system',
        content: 'You are a concise assistant for backend engineers. Answer in one paragraph, no lists.',
      },
      { role: 'user', content: prompt },
    ],
    temperature: 0,
    max_tokens: 256,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

function gateway(upstream: string, cache: boolean): Gateway {
  const config = loadConfig(
    { OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${upstream}/v1` },
    cache ? { text: 'cache: { ttlMs: 600000 }\n', path: 'bench.yaml' } : undefined,
  );
  const logger = createLogger({ level: 'error' });
  return createGateway({ config, health: createHealthMonitor({ logger }), logger });
}

let sequence = 0;
async function run(app: Gateway['app'], subject: Subject, stream: boolean, count: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const prompt =
      subject === 'memory hit'
        ? 'What does a circuit breaker add to a retry budget?'
        : `Question ${++sequence}: what does a circuit breaker add?`;
    const response = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body(stream, prompt),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${subject}: HTTP ${response.status}: ${text.slice(0, 200)}`);
    const state = response.headers.get('x-switchyard-cache');
    const expected = subject === 'no cache' ? null : subject === 'miss' ? 'miss' : 'hit';
    if (state !== expected && !(subject === 'memory hit' && state === 'miss' && i === 0))
      throw new Error(`${subject}: x-switchyard-cache ${state}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / count;
}

async function main(): Promise<void> {
  installCleanup();
  const port = await freePort();
  const upstream = await startChild({
    name: 'upstream',
    nodeArgs: [UPSTREAM_SCRIPT],
    env: upstreamEnv(port, { ttfbMs: 0, intervalMs: 0, chunks: 40 }),
    port,
    pinning: setUpPinning(),
    core: 0,
  });
  try {
    const apps: Record<Subject, Gateway['app']> = {
      'no cache': gateway(upstream.url, false).app,
      miss: gateway(upstream.url, true).app,
      'memory hit': gateway(upstream.url, true).app,
    };
    const rows: string[] = [];
    for (const stream of [false, true]) {
      for (const subject of SUBJECTS) await run(apps[subject], subject, stream, WARMUP);
      const samples: Record<Subject, number[]> = { 'no cache': [], miss: [], 'memory hit': [] };
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate the order each round so no subject always runs first.
        for (let k = 0; k < SUBJECTS.length; k++) {
          const subject = SUBJECTS[(round + k) % SUBJECTS.length]!;
          samples[subject].push(await run(apps[subject], subject, stream, REQUESTS));
        }
      }
      const base = median(samples['no cache']);
      const miss = median(samples.miss);
      const hit = median(samples['memory hit']);
      const kind = stream ? 'stream' : 'JSON';
      rows.push(`| ${kind} | no cache | ${base.toFixed(3)} | — |`);
      rows.push(
        `| ${kind} | miss | ${miss.toFixed(3)} | ${(((miss - base) / base) * 100).toFixed(1)} % (target ≤ 5 %) |`,
      );
      rows.push(
        `| ${kind} | memory hit | ${hit.toFixed(3)} | ${(hit / base).toFixed(2)}× no cache (target well under 1 ms) |`,
      );
      const spread = (values: number[]) => `${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)}`;
      rows.push(
        `|  | (spread over rounds: no cache ${spread(samples['no cache'])}, miss ${spread(samples.miss)}, hit ${spread(samples['memory hit'])}) | | |`,
      );
    }
    console.log(
      `Response cache cost, CPU ms per request, median of ${ROUNDS} interleaved rounds of ${REQUESTS} requests (Node ${process.version})\n`,
    );
    console.log('| request | subject | CPU ms / req | vs no cache |');
    console.log('|---|---|---:|---|');
    for (const row of rows) console.log(row);
  } finally {
    await stopAllChildren();
  }
  process.exit(0);
}

await main();
