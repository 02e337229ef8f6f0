/**
 * What metrics cost: the same Switchyard (node src/node.ts, memory store) in front of the loopback upstream,
 * once without telemetry (no admin key: no sink is wired, the request path calls nothing) and once with it
 * (admin key: Prometheus metrics and the dashboard recorder, scraped once a round as Prometheus would).
 * Rounds alternate between the two so drift on a shared machine hits both alike; CPU per request is the
 * gateway process's user + system time from /proc over the requests it served. Prints the per-round and the
 * median overhead, and whether it stays within the 5 % target.
 *
 * Run: npm run bench:metrics [-- --rounds 16 --requests 600 --connections 8]
 *
 * Each segment serves a fixed number of requests (not a fixed time), so a subject slowed by a noisy
 * neighbour is not charged its background timers over fewer requests.
 */

import { parseArgs } from 'node:util';
import { createDashboardRecorder } from '../../src/telemetry/dashboard-recorder.ts';
import { createPromMetrics } from '../../src/telemetry/metrics/prom-client-metrics.ts';
import { combineSinks } from '../../src/telemetry/telemetry-sink.ts';
import { type Child, installCleanup, startChild, stopAllChildren } from '../lib/children.ts';
import { GATEWAY_SCRIPT } from '../lib/paths.ts';
import { setUpPinning } from '../lib/pinning.ts';
import { freePort } from '../lib/ports.ts';
import { median } from '../lib/stats.ts';
import { runLoad } from './load.ts';
import { JSON_BODY, streamBody } from './measure.ts';
import { UPSTREAM_SCRIPT, upstreamEnv } from './subjects.ts';

const ADMIN_KEY = 'bench-admin-key-0123456789';
const TARGET = 0.05;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '16' },
    requests: { type: 'string', default: '600' },
    connections: { type: 'string', default: '8' },
  },
});
const rounds = Number(values.rounds);
const amount = Number(values.requests);
const connections = Number(values.connections);

interface Tally {
  cpuMs: number;
  requests: number;
  perRound: number[];
}

async function main(): Promise<void> {
  installCleanup();
  const pinning = setUpPinning();
  const upstreamPort = await freePort();
  await startChild({
    name: 'upstream',
    nodeArgs: [UPSTREAM_SCRIPT],
    env: upstreamEnv(upstreamPort, { ttfbMs: 0, intervalMs: 0, chunks: 20 }),
    port: upstreamPort,
    pinning,
    core: pinning.loadCore,
    readyPath: '/health',
  });
  const start = async (name: string, env: Record<string, string>): Promise<Child> => {
    const port = await freePort();
    return startChild({
      name,
      nodeArgs: [GATEWAY_SCRIPT],
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        OPENAI_API_KEY: 'sk-bench-loopback-placeholder',
        OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
        SWITCHYARD_LOG_LEVEL: 'warn',
        ...env,
      },
      port,
      pinning,
      core: pinning.subjectCore,
      readyPath: '/health',
    });
  };
  const off = await start('metrics-off', {});
  const on = await start('metrics-on', { SWITCHYARD_ADMIN_KEY: ADMIN_KEY });
  console.log(
    `metrics bench: ${rounds} rounds × ${amount} JSON + ${amount} streaming requests per subject, ${connections} connections, ${pinning.note}`,
  );

  const tallies = new Map<string, Tally>([
    ['off', { cpuMs: 0, requests: 0, perRound: [] }],
    ['on', { cpuMs: 0, requests: 0, perRound: [] }],
  ]);
  const bodies = [JSON_BODY, streamBody(20)];
  // Warm-up: JIT and connection pools, not counted.
  for (const child of [off, on])
    for (const body of bodies) await runLoad({ url: child.url, body, connections, durationSeconds: 2, pid: child.pid });

  for (let round = 0; round < rounds; round++) {
    const order =
      round % 2 === 0
        ? ([
            ['off', off],
            ['on', on],
          ] as const)
        : ([
            ['on', on],
            ['off', off],
          ] as const);
    for (const [id, child] of order) {
      const tally = tallies.get(id)!;
      let cpuMs = 0;
      let requests = 0;
      for (const body of bodies) {
        const run = await runLoad({ url: child.url, body, connections, durationSeconds: 60, amount, pid: child.pid });
        if (run.failures > 0) throw new Error(`${id}: ${run.failures} failed requests\n${child.output()}`);
        cpuMs += run.cpuMs;
        requests += run.requests;
      }
      if (id === 'on') {
        const scrape = await fetch(`${child.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        if (scrape.status !== 200) throw new Error(`/metrics answered ${scrape.status}`);
        await scrape.text();
      }
      tally.cpuMs += cpuMs;
      tally.requests += requests;
      tally.perRound.push(cpuMs / requests);
    }
    const offMs = tallies.get('off')!.perRound[round]!;
    const onMs = tallies.get('on')!.perRound[round]!;
    console.log(
      `round ${round + 1}: off ${(offMs * 1000).toFixed(0)} µs CPU/request, on ${(onMs * 1000).toFixed(0)} µs (${pct(onMs / offMs - 1)})`,
    );
  }

  const offT = tallies.get('off')!;
  const onT = tallies.get('on')!;
  const ratios = offT.perRound.map((offMs, i) => onT.perRound[i]! / offMs - 1).sort((a, b) => a - b);
  const medianRatio = median(ratios);
  const total = onT.cpuMs / onT.requests / (offT.cpuMs / offT.requests) - 1;
  console.log('');
  console.log(
    `without metrics: ${((offT.cpuMs / offT.requests) * 1000).toFixed(0)} µs CPU per request over ${offT.requests} requests`,
  );
  console.log(
    `with metrics:    ${((onT.cpuMs / onT.requests) * 1000).toFixed(0)} µs CPU per request over ${onT.requests} requests`,
  );
  console.log(
    `overhead: ${pct(total)} over all requests (median of rounds ${pct(medianRatio)}, range ${pct(ratios[0]!)} … ${pct(ratios.at(-1)!)}); target ≤ ${pct(TARGET)}: ${total <= TARGET ? 'met' : 'NOT met'}`,
  );
  // The end-to-end difference is small next to the noise of a shared machine; the telemetry calls' own CPU,
  // measured in isolation, bounds it from below without that noise.
  const sinkUs = sinkCostMicros();
  const baseUs = (offT.cpuMs / offT.requests) * 1000;
  console.log(
    `telemetry calls alone (one attempt + one request event, prom-client + dashboard): ${sinkUs.toFixed(1)} µs CPU per request = ${pct(sinkUs / baseUs)} of a request without metrics`,
  );
  await stopAllChildren();
}

function sinkCostMicros(): number {
  const metrics = createPromMetrics({ knownModels: ['gpt-4o-mini'] });
  const sink = combineSinks([createDashboardRecorder(), metrics.sink])!;
  const rounds = 50_000;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      sink.attempt({
        provider: 'openai',
        model: 'gpt-4o-mini',
        ok: true,
        firstByteMs: 12,
        latencyMs: 40,
        retriesExhausted: false,
        at: Date.now(),
      });
      sink.request({
        model: 'gpt-4o-mini',
        stream: i % 2 === 0,
        status: 200,
        provider: 'openai',
        servedModel: 'gpt-4o-mini',
        attempts: [{ provider: 'openai', key: 'openai#1', ok: true, ms: 40 }],
        fallbackReasons: [],
        durationMs: 41,
        firstByteMs: 13,
        overheadMs: 1,
        usage: { prompt_tokens: 12, completion_tokens: 40 },
      });
    }
  };
  run(5_000);
  const before = process.cpuUsage();
  run(rounds);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / rounds;
}

function pct(value: number): string {
  return `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} %`;
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAllChildren();
  process.exit(1);
});
