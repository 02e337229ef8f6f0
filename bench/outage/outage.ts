/**
 * The outage benchmark (`npm run bench:outage`): a scripted OpenAI incident under steady load through two
 * Switchyard instances sharing one Redis. OpenAI is healthy, then fails every request (500), then 3 % of
 * them, then answers 429 with Retry-After to everything, then recovers; Anthropic and Gemini stay healthy.
 *
 * Per second it records who served, the requests that reached OpenAI (and failed), client-visible errors,
 * upstream requests per client request and latency; it prints the headline figures (time to trip, requests
 * sent to a tripped provider, client errors, time to recover, amplification) and per-phase tables, and
 * writes the data (JSON) and a chart (SVG).
 *
 *   node bench/outage/outage.ts            full run, default health settings: 6 to 9 minutes
 *   node bench/outage/outage.ts --quick    a one-minute check, probe timings shortened (printed)
 *
 * Options: --out FILE.json (the SVG goes next to it), --rate N (requests per second, default 30),
 * --seed N (which requests fail in the 3 % phase).
 *
 * Loopback only (mocks, gateways and Redis on 127.0.0.1). Everything is bounded: a fixed schedule of
 * requests, a settle limit on the last phase, a deadline on the whole run. On exit, error or Ctrl-C the
 * gateways are stopped (they also exit if this process dies), the mocks closed and the run's Redis keys
 * (its own random prefix) deleted with SCAN + DEL.
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { stringify as toYaml } from 'yaml';
import { DEFAULT_THRESHOLDS, DEFAULT_WINDOWS } from '../../src/health/health-options.ts';
import { stopAllChildren } from '../lib/children.ts';
import { RESULTS_DIR } from '../lib/paths.ts';
import { freePort } from '../lib/ports.ts';
import { analyze, latencyStats } from './analyze.ts';
import { renderChart } from './chart.ts';
import { type Gateway, startGateway } from './gateways.ts';
import { CHAT_BODY, type ClientResult, runLoad } from './load.ts';
import { fullReport } from './report.ts';
import { buildScenario, lastPhase, phaseAt, type Scenario, seededRandom } from './scenario.ts';
import { faultFor, PROVIDERS, startUpstreams, type Upstreams, verifyFaultHook } from './upstreams.ts';
import {
  type AdminWatch,
  countKeys,
  deleteKeys,
  type SharedStateWatch,
  watchAdmin,
  watchSharedState,
} from './watch.ts';

const INSTANCES = 2;
const MAX_IN_FLIGHT = 400;

interface Args {
  quick: boolean;
  out: string;
  rate: number | undefined;
  seed: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, out: '', rate: undefined, seed: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--quick') args.quick = true;
    else if (arg === '--out') args.out = value();
    else if (arg === '--rate') args.rate = positive(arg, value());
    else if (arg === '--seed') args.seed = positive(arg, value());
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node bench/outage/outage.ts [--quick] [--out FILE.json] [--rate N] [--seed N]');
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  if (!args.out) args.out = join(RESULTS_DIR, args.quick ? 'outage-quick.json' : 'outage.json');
  return args;
}

function positive(name: string | undefined, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${text}`);
  return value;
}

function loopbackRedisUrl(): string {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
    throw new Error(`REDIS_URL must point at a loopback Redis for this benchmark (got host ${host})`);
  }
  return url;
}

/** Everything the run started, for the clean-up whatever happens. */
interface Resources {
  upstreams?: Upstreams;
  gateways: Gateway[];
  redis?: Redis;
  prefix: string;
  sharedWatch?: SharedStateWatch;
  adminWatch?: AdminWatch;
  configDir?: string;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const scenario = buildScenario({
    quick: args.quick,
    ...(args.rate ? { ratePerSecond: args.rate } : {}),
    ...(args.seed ? { seed: args.seed } : {}),
  });
  const redisUrl = loopbackRedisUrl();
  const resources: Resources = { gateways: [], prefix: `switchyard-bench:${randomBytes(6).toString('hex')}:` };
  const abort = new AbortController();
  const onSignal = (signal: string) => {
    if (abort.signal.aborted) return;
    console.error(`\n${signal}: stopping the load and cleaning up...`);
    abort.abort(new Error(signal));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const deadline = setTimeout(() => {
    console.error(`run deadline (${scenario.runDeadlineMs / 60_000} min) reached: stopping`);
    abort.abort(new Error('deadline'));
  }, scenario.runDeadlineMs);

  let cleanupReport = '';
  try {
    await run(scenario, args, redisUrl, resources, abort.signal);
  } finally {
    clearTimeout(deadline);
    // A clean-up that hangs must not keep the process alive for ever.
    const hardExit = setTimeout(() => {
      console.error('clean-up did not finish within 30 s: exiting');
      process.exit(2);
    }, 30_000);
    hardExit.unref();
    cleanupReport = await cleanup(resources);
    clearTimeout(hardExit);
    console.log(cleanupReport);
  }
  if (abort.signal.aborted) process.exitCode = 1;
}

async function run(
  scenario: Scenario,
  args: Args,
  redisUrl: string,
  resources: Resources,
  signal: AbortSignal,
): Promise<void> {
  const plannedS = scenario.phases.reduce((n, phase) => n + phase.durationMs, 0) / 1000;
  const last = lastPhase(scenario);
  console.log(
    `Switchyard outage benchmark (${scenario.mode}): ${INSTANCES} instances, one Redis, ${scenario.ratePerSecond} req/s, ${plannedS} s planned (the last phase runs until OpenAI has been healthy ${scenario.settle.healthyForMs / 1000} s, ${(last.startMs + scenario.settle.maxMs) / 1000} s at most)`,
  );
  console.log(
    `Health timings: ${scenario.shortened.length ? `shortened for this run: ${scenario.shortened.join(', ')}` : 'every default (nothing shortened)'}`,
  );
  console.log(
    `Redis at ${new URL(redisUrl).host}, keys under ${resources.prefix} (deleted at the end; after a SIGKILL, delete them by hand)`,
  );
  for (const phase of scenario.phases) console.log(`  ${String(phase.startMs / 1000).padStart(4)} s  ${phase.label}`);

  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `no Redis answering at ${new URL(redisUrl).host} (${(error as Error).message}); start one (redis-server) or set REDIS_URL`,
    );
  }
  resources.redis = redis;

  const upstreams = await startUpstreams();
  resources.upstreams = upstreams;
  await verifyFaultHook(upstreams.openai);

  // Baseline: the same request answered by the OpenAI mock directly, at the same rate.
  const direct = await runLoad({
    targets: [`${upstreams.openai.url}/v1/chat/completions`],
    ratePerSecond: scenario.ratePerSecond,
    startAt: Date.now() + 50,
    maxDurationMs: scenario.baselineMs,
    timeoutMs: 5_000,
    maxInFlight: MAX_IN_FLIGHT,
    signal,
  });
  const baseline = latencyStats(direct.results.filter((r) => r.status === 200).map((r) => r.latencyMs));
  console.log(
    `Baseline, direct to the OpenAI mock: P50 ${baseline.p50?.toFixed(2)} ms, P99 ${baseline.p99?.toFixed(2)} ms (${baseline.n} requests)`,
  );

  const adminKey = randomBytes(16).toString('hex');
  let configPath: string | undefined;
  if (scenario.health) {
    resources.configDir = mkdtempSync(join(tmpdir(), 'switchyard-outage-'));
    configPath = join(resources.configDir, 'switchyard.yaml');
    writeFileSync(configPath, toYaml({ health: scenario.health }));
  }
  const ports = [await freePort(), await freePort()];
  for (let i = 0; i < INSTANCES; i++) {
    const env: Record<string, string> = {
      PORT: String(ports[i]),
      HOST: '127.0.0.1',
      OPENAI_API_KEY: 'sk-bench-openai-not-a-real-key',
      ANTHROPIC_API_KEY: 'sk-ant-bench-not-a-real-key',
      GEMINI_API_KEY: 'bench-gemini-not-a-real-key',
      OPENAI_BASE_URL: `${upstreams.openai.url}/v1`,
      ANTHROPIC_BASE_URL: upstreams.anthropic.url,
      GEMINI_BASE_URL: upstreams.gemini.url,
      REDIS_URL: redisUrl,
      SWITCHYARD_REDIS_PREFIX: resources.prefix,
      SWITCHYARD_LOG_LEVEL: 'warn',
      SWITCHYARD_ADMIN_KEY: adminKey,
      ...(configPath ? { SWITCHYARD_CONFIG: configPath } : {}),
    };
    resources.gateways.push(
      await startGateway({ name: `switchyard-${String.fromCharCode(97 + i)}`, port: ports[i]!, env }),
    );
  }
  const gateways = resources.gateways;
  const targets = gateways.map((gateway) => `${gateway.url}/v1/chat/completions`);

  // Warm-up (not measured): module loading and JIT, and a sanity check that OpenAI serves when healthy.
  for (const target of targets) {
    for (let i = 0; i < 15; i++) {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: CHAT_BODY,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (response.status !== 200 || response.headers.get('x-switchyard-provider') !== 'openai') {
        throw new Error(
          `warm-up: ${target} answered ${response.status} from ${response.headers.get('x-switchyard-provider') ?? 'nobody'}, expected 200 from openai`,
        );
      }
    }
  }

  const windows = { ...DEFAULT_WINDOWS, ...scenario.health?.windows };
  resources.sharedWatch = watchSharedState(redis, resources.prefix, {
    intervalMs: 50,
    windowProvider: 'openai',
    windowEvery: 5,
    slotMs: windows.slotMs,
    shortMs: windows.shortMs,
  });
  resources.adminWatch = watchAdmin(
    gateways.map((gateway) => gateway.url),
    adminKey,
    'openai',
    250,
  );
  const shared = resources.sharedWatch;
  const admin = resources.adminWatch;

  const t0 = Date.now() + 500;
  const random = seededRandom(scenario.seed);
  upstreams.openai.setFaultPolicy((now) => faultFor(phaseAt(scenario, now - t0).openai, random));
  for (const mock of upstreams.all) mock.clearArrivals();

  const settleFrom = last.startMs + last.durationMs;
  const shouldStop = (offsetMs: number): boolean => {
    if (offsetMs < settleFrom) return false;
    const record = shared.latest('openai');
    return !record || (record.state === 'healthy' && t0 + offsetMs - record.since >= scenario.settle.healthyForMs);
  };
  const progress = startProgress(scenario, t0, shared, upstreams);
  const load = await runLoad({
    targets,
    ratePerSecond: scenario.ratePerSecond,
    startAt: t0,
    maxDurationMs: last.startMs + scenario.settle.maxMs,
    shouldStop,
    timeoutMs: scenario.clientTimeoutMs,
    maxInFlight: MAX_IN_FLIGHT,
    signal,
    onResult: progress.count,
  });
  progress.stop();
  upstreams.openai.setFaultPolicy(() => undefined);
  await shared.stop();
  await admin.stop();
  if (signal.aborted) throw new Error('the run was interrupted; no results written');

  const endMs = load.endedAt - t0;
  const data = {
    scenario,
    t0,
    endMs,
    results: load.results,
    arrivals: {
      openai: upstreams.openai.arrivals,
      anthropic: upstreams.anthropic.arrivals,
      gemini: upstreams.gemini.arrivals,
    },
    changes: shared.changes,
    admin: admin.samples,
    windows: shared.windows,
    instances: INSTANCES,
    errorRateThreshold: admin.errorRateThreshold() ?? {
      above: DEFAULT_THRESHOLDS.errorRate.above,
      minSamples: DEFAULT_THRESHOLDS.errorRate.minSamples,
    },
    baseline,
  };
  const analysis = analyze(data, shared.missedVersions());
  const phaseName = (offsetMs: number) => phaseAt(scenario, offsetMs).id;
  const report = fullReport(analysis, baseline, phaseName);

  // Stop the gateways before reading their logs, so the last lines are in.
  for (const gateway of gateways) await gateway.stop();
  const logs = Object.fromEntries(gateways.map((gateway) => [gateway.name, gateway.logs]));

  const outJson = resolve(args.out);
  const outSvg = `${outJson.replace(/\.json$/, '')}.svg`;
  mkdirSync(dirname(outJson), { recursive: true });
  const h = analysis.headline;
  const healthyPhase = analysis.phases.find((phase) => phase.id === 'healthy');
  const footer = [
    [
      h.hardFailure.tripAfterMs === null
        ? 'hard failure: no trip measured'
        : `Tripped ${(h.hardFailure.tripAfterMs / 1000).toFixed(2)} s into the hard failure`,
      h.rateLimitStorm.tripAfterMs === null
        ? `429 storm: ${h.rateLimitStorm.stateAtStart === 'healthy' ? 'no trip' : `OpenAI already ${h.rateLimitStorm.stateAtStart}`}`
        : `${(h.rateLimitStorm.tripAfterMs / 1000).toFixed(2)} s into the 429 storm`,
      `${h.clientErrors} client-visible errors of ${h.clientRequests} requests`,
      `${h.sentWhileTripped.total} requests to OpenAI while tripped, ${h.sentWhileProbing} while probing`,
    ].join(' · '),
    [
      h.recovery.healthyAfterMs === null
        ? 'OpenAI not healthy again within the run'
        : `OpenAI healthy ${(h.recovery.healthyAfterMs / 1000).toFixed(1)} s after the heal`,
      `amplification ${h.amplification?.toFixed(3) ?? '–'} upstream requests per client request`,
      healthyPhase?.addedP50 == null
        ? ''
        : `added latency while healthy P50 ${healthyPhase.addedP50.toFixed(1)} ms, P99 ${healthyPhase.addedP99?.toFixed(1) ?? '?'} ms`,
    ]
      .filter(Boolean)
      .join(' · '),
  ];
  const svg = renderChart({
    scenario,
    analysis,
    errorRateThreshold: data.errorRateThreshold,
    baselineP50: baseline.p50,
    title: `Switchyard under an OpenAI incident: ${INSTANCES} instances, one Redis, ${scenario.ratePerSecond} req/s`,
    subtitle: [
      `${scenario.mode} run, ${new Date(t0).toISOString().slice(0, 16).replace('T', ' ')} UTC · loopback mocks answering at once · Anthropic and Gemini healthy throughout`,
      `Health settings: ${scenario.shortened.length ? `shortened for this run: ${scenario.shortened.join(', ')}` : 'every default (cool-down 30 s doubling per failed probe, 15 s of probing)'}`,
    ],
    footer,
  });
  writeFileSync(outSvg, svg);
  writeFileSync(
    outJson,
    `${JSON.stringify(
      {
        benchmark: 'outage',
        mode: scenario.mode,
        generatedAt: new Date().toISOString(),
        node: process.version,
        settings: {
          instances: INSTANCES,
          ratePerSecond: scenario.ratePerSecond,
          clientTimeoutMs: scenario.clientTimeoutMs,
          seed: scenario.seed,
          health: scenario.health ?? 'defaults',
          shortened: scenario.shortened,
          phases: scenario.phases,
          settle: scenario.settle,
          request: JSON.parse(CHAT_BODY) as unknown,
        },
        baseline,
        headline: analysis.headline,
        phases: analysis.phases,
        openaiStates: analysis.openaiStates.map((interval) => ({
          ...interval,
          fromMs: Number.isFinite(interval.fromMs) ? interval.fromMs : null,
        })),
        sharedChanges: shared.changes.map((change) => ({
          ...change,
          sinceMs: change.since - t0,
          seenMs: change.seenAt - t0,
        })),
        perSecond: analysis.rows,
        /** OpenAI's short window as evaluated, every 250 ms: [offset ms, requests, errors]. */
        evaluatedWindow: shared.windows
          .filter((w) => w.at >= t0 && w.at - t0 < endMs)
          .map((w) => [w.at - t0, w.requests, w.errors]),
        loadSkipped: load.skipped,
        adminPollFailures: admin.failures(),
        redisPollErrors: shared.pollErrors(),
        gatewayLogs: logs,
      },
      null,
      1,
    )}\n`,
  );

  console.log('');
  console.log(report);
  console.log('');
  for (const gateway of gateways) {
    const counts = Object.entries(gateway.logs.counts)
      .map(([event, n]) => `${event} ${n}`)
      .join(', ');
    console.log(`${gateway.name} log lines (warn and above): ${counts || 'none'}`);
  }
  if (load.skipped) console.log(`Load: ${load.skipped} requests not sent (more than ${MAX_IN_FLIGHT} in flight)`);
  if (shared.missedVersions())
    console.log(
      `Warning: ${shared.missedVersions()} shared-state versions changed between two polls (transitions may be missing)`,
    );
  console.log(
    `Health timings: ${scenario.shortened.length ? `shortened: ${scenario.shortened.join(', ')}` : 'defaults'}`,
  );
  console.log(`Wrote ${relative(process.cwd(), outJson)} and ${relative(process.cwd(), outSvg)}`);
}

/** A line every few seconds, so a long run shows it is alive and what is happening. */
function startProgress(
  scenario: Scenario,
  t0: number,
  shared: SharedStateWatch,
  upstreams: Upstreams,
): { count: (result: ClientResult) => void; stop: () => void } {
  let window = { done: 0, errors: 0, openai: 0, anthropic: 0, gemini: 0 };
  const upstreamSeen = { openai: 0, anthropic: 0, gemini: 0 };
  const everyMs = scenario.mode === 'quick' ? 5_000 : 15_000;
  const timer = setInterval(() => {
    const offset = Date.now() - t0;
    if (offset < 0) return;
    const upstream = PROVIDERS.map((provider) => {
      const n = upstreams[provider].arrivals.length - upstreamSeen[provider];
      upstreamSeen[provider] = upstreams[provider].arrivals.length;
      return `${provider} ${n}`;
    }).join(', ');
    const record = shared.latest('openai');
    console.log(
      `[${(offset / 1000).toFixed(0).padStart(4)} s] ${phaseAt(scenario, offset).id.padEnd(16)} answered ${String(window.done).padStart(4)}: openai ${window.openai}, anthropic ${window.anthropic}, gemini ${window.gemini}, errors ${window.errors} | upstream: ${upstream} | OpenAI ${record?.state ?? 'healthy'}${record?.reason && record.state !== 'healthy' ? ` (${record.reason})` : ''}`,
    );
    window = { done: 0, errors: 0, openai: 0, anthropic: 0, gemini: 0 };
  }, everyMs);
  return {
    count(result) {
      window.done++;
      if (result.status !== 200) window.errors++;
      else if (result.provider === 'openai' || result.provider === 'anthropic' || result.provider === 'gemini')
        window[result.provider]++;
    },
    stop: () => clearInterval(timer),
  };
}

async function cleanup(resources: Resources): Promise<string> {
  const notes: string[] = [];
  await resources.sharedWatch?.stop().catch(() => undefined);
  await resources.adminWatch?.stop().catch(() => undefined);
  await Promise.all(resources.gateways.map((gateway) => gateway.stop().catch(() => undefined)));
  await stopAllChildren();
  notes.push(`gateways stopped (${resources.gateways.length})`);
  await resources.upstreams?.close().catch(() => undefined);
  if (resources.redis) {
    try {
      const deleted = await deleteKeys(resources.redis, resources.prefix);
      const left = await countKeys(resources.redis, resources.prefix);
      notes.push(`Redis keys under ${resources.prefix} deleted: ${deleted}${left ? `, ${left} LEFT` : ', none left'}`);
    } catch (error) {
      notes.push(`could not delete the Redis keys under ${resources.prefix}: ${(error as Error).message}`);
    }
    resources.redis.disconnect();
  }
  if (resources.configDir) rmSync(resources.configDir, { recursive: true, force: true });
  return `Clean-up: ${notes.join('; ')}`;
}

main()
  .catch((error: unknown) => {
    console.error(`outage benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => {
    // Everything is closed by now; should a handle linger anyway, it must not keep the process alive.
    setTimeout(() => process.exit(), 2_000).unref();
  });
