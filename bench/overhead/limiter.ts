/**
 * What client-side rate limits cost per request, measured in one process: three gateways built from the same
 * code, with no budgets, with RPM and maxConcurrency, and with RPM, TPM and maxConcurrency on their key (far
 * above the load, so every check and charge runs, the TPM one counting every prompt's tokens, and nothing
 * waits), each answering the overhead benchmark's JSON request through the real OpenAI passthrough over an
 * in-process transport (a canned answer carrying OpenAI's rate-limit headers, so all of them also learn from
 * every answer). Rounds rotate the order; CPU is this process's user+system time per request: the gateway's
 * own work, without the HTTP server and client that `npm run bench` also counts.
 *
 *   node --expose-gc bench/overhead/limiter.ts [--rounds 16] [--requests 20000] [--concurrency 16]
 *
 * The figure is the gateway's own CPU per request; the full benchmark (`npm run bench`) puts the same
 * limiter line next to the whole process's CPU (HTTP server and upstream client included).
 */
import { parseArgs } from 'node:util';
import { parseOpenAIRateLimit } from '../../providers/openai/rate-limit.ts';
import type { HttpTransport } from '../../providers/shared/http-transport.ts';
import type { ChatRequest } from '../../providers/types.ts';
import { resolveConfig } from '../../src/config/load-config.ts';
import { createGateway } from '../../src/gateway.ts';
import { createHealthMonitor } from '../../src/health/health-monitor.ts';
import { promptTokenBound, requestedOutputTokens } from '../../src/limits/count-tokens.ts';
import { admitKey, tokensOnce } from '../../src/routing/admit-key.ts';
import { median } from '../lib/stats.ts';
import { JSON_BODY } from './measure.ts';

const ANSWER = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_767_225_600,
  model: 'gpt-4o-mini',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'A circuit breaker stops calls.' }, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 96, completion_tokens: 8, total_tokens: 104 },
});
const HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  'x-ratelimit-limit-requests': '10000',
  'x-ratelimit-limit-tokens': '30000000',
  'x-ratelimit-remaining-requests': '9999',
  'x-ratelimit-remaining-tokens': '29999000',
  'x-ratelimit-reset-requests': '6ms',
  'x-ratelimit-reset-tokens': '2ms',
};

const transport: HttpTransport = async () => ({
  status: 200,
  headers: { get: (name: string) => HEADERS[name] ?? null },
  body: { async *[Symbol.asyncIterator]() {} },
  text: async () => ANSWER,
  cancel: () => undefined,
});

/** Budgets far above the load: every check and charge runs, nothing waits. */
const BUDGETS = {
  none: {},
  'rpm+concurrency': { OPENAI_RPM: '1000000000', OPENAI_MAX_CONCURRENCY: '1000000' },
  'rpm+tpm+concurrency': { OPENAI_RPM: '1000000000', OPENAI_TPM: '1000000000', OPENAI_MAX_CONCURRENCY: '1000000' },
} as const;
type Variant = keyof typeof BUDGETS;
const VARIANTS = Object.keys(BUDGETS) as Variant[];

function gateway(variant: Variant) {
  const env = { OPENAI_API_KEY: 'sk-bench-in-process', ...BUDGETS[variant] };
  const config = resolveConfig(env);
  const logger = { log: () => undefined };
  const health = createHealthMonitor({ logger, backgroundTimers: false });
  const built = createGateway({ config, health, transport, logger });
  return { app: built.app, close: () => Promise.all([health.close(), built.limits.close()]) };
}

async function drive(app: ReturnType<typeof gateway>['app'], requests: number, concurrency: number): Promise<number> {
  let sent = 0;
  const worker = async () => {
    while (sent < requests) {
      sent++;
      const response = await app.fetch(
        new Request('http://bench/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON_BODY,
        }),
      );
      if (response.status !== 200) throw new Error(`status ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    }
  };
  // Start each round with a clean heap, so a collection owed by the other subject is not billed to this one.
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / requests;
}

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '16' },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const subjects = new Map(VARIANTS.map((variant) => [variant, gateway(variant)]));
const samples = new Map<Variant, number[]>(VARIANTS.map((variant) => [variant, []]));
for (const subject of subjects.values()) await drive(subject.app, requests, concurrency);
for (let round = 0; round < rounds; round++) {
  // Each round in a rotated order, so no variant always runs first (or right after a collection).
  for (let k = 0; k < VARIANTS.length; k++) {
    const variant = VARIANTS[(round + k) % VARIANTS.length]!;
    samples.get(variant)!.push(await drive(subjects.get(variant)!.app, requests, concurrency));
  }
}
const off = median(samples.get('none')!);
const lines = [
  `limiter, in process (${rounds} rounds × ${requests} requests, ${concurrency} at a time, Node ${process.version}):`,
  `  gateway CPU per JSON request, no budgets: ${off.toFixed(1)} µs (median; rounds ${samples
    .get('none')!
    .map((v) => v.toFixed(0))
    .join(', ')})`,
];
for (const variant of VARIANTS.slice(1)) {
  const own = samples.get(variant)!;
  const on = median(own);
  const ratios = own.map((value, i) => value / samples.get('none')![i]!);
  lines.push(
    `  ${variant}: ${on.toFixed(1)} µs, limiter ${(on - off).toFixed(1)} µs = ${(((on - off) / off) * 100).toFixed(1)} % of the gateway's own CPU (round ratios ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
for (const subject of subjects.values()) await subject.close();

/**
 * The limiter's own calls for one request, alone in a loop (what the end-to-end figure above is made of,
 * without the noise of everything else): choose the key (all three budgets checked and charged, the tokens
 * estimated), learn the answer's headers, release the slot.
 */
function limiterAlone(iterations: number): number {
  const config = resolveConfig({
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_RPM: '1000000000',
    OPENAI_TPM: '1000000000',
    OPENAI_MAX_CONCURRENCY: '1000000',
  });
  const logger = { log: () => undefined };
  const health = createHealthMonitor({ logger, backgroundTimers: false });
  const built = createGateway({ config, health, transport, logger });
  const pool = built.deps.pools.get('openai')!;
  const request = JSON.parse(JSON_BODY) as ChatRequest;
  const snapshot = parseOpenAIRateLimit({ get: (name: string) => HEADERS[name] ?? null })!;
  const none = new Set<string>();
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const tokens = tokensOnce(() => promptTokenBound(request, 'openai') + (requestedOutputTokens(request) ?? 0));
    const choice = admitKey(pool, none, built.limits, 'gpt-4o-mini', tokens);
    if (choice.type !== 'key') throw new Error('the budgets held a request back');
    built.limits.learnAnswer(choice.permit, snapshot);
    built.limits.release(choice.permit);
  }
  const used = process.cpuUsage(before);
  void health.close();
  return (used.user + used.system) / iterations;
}

// 20,000 requests of ~400 tokens stay inside one second's burst of the 1e9 TPM budget: none is held back.
const alone = median(Array.from({ length: 9 }, () => limiterAlone(20_000)));
process.stdout.write(
  `  the limiter's calls alone (key choice with all three budgets, token estimate, learning, release): ${alone.toFixed(2)} µs per request = ${((alone / off) * 100).toFixed(1)} % of the gateway's own CPU without budgets\n`,
);
