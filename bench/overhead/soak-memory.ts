/**
 * A bounded loopback soak for the gateway's memory (issue 9, point 8): one gateway process (`node src/node.ts`,
 * memory health store) in front of the three loopback mock providers, a fixed number of requests at a fixed
 * concurrency (JSON and streaming, alternating OpenAI, Anthropic and Gemini models), then an idle period.
 * Every `--every` requests and every 5 s of idle it records the gateway's RSS (/proc) next to its V8 heap,
 * external memory and ArrayBuffers (after a full GC), so a growing RSS can be told apart from a growing heap.
 *
 *   node bench/overhead/soak-memory.ts [--requests 22000] [--concurrency 32] [--idle 30] [--every 2000] [--env K=V ...]
 *     [--node-flag FLAG ...] [--models a,b,c] [--stream both|yes|no]
 *
 * `--env` passes variables to the gateway process, e.g. `--env MALLOC_ARENA_MAX=2` to test the glibc arena
 * hypothesis. Not part of `npm test`; loopback only; stops by itself (the gateway exits with this process).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startAnthropicMock } from '../../mocks/anthropic-mock.ts';
import { startGeminiMock } from '../../mocks/gemini-mock.ts';
import { startOpenAIMock } from '../../mocks/openai-mock.ts';
import { installCleanup, startChild } from '../lib/children.ts';
import { GATEWAY_SCRIPT } from '../lib/paths.ts';
import { freePort } from '../lib/ports.ts';
import { memory as processMemory } from '../lib/proc.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '22000' },
    concurrency: { type: 'string', default: '32' },
    idle: { type: 'string', default: '30' },
    every: { type: 'string', default: '2000' },
    env: { type: 'string', multiple: true, default: [] },
    'node-flag': { type: 'string', multiple: true, default: [] },
    models: { type: 'string', default: 'gpt-4o-mini,claude-sonnet-4-6,gemini-2.5-flash' },
    stream: { type: 'string', default: 'both' },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const idleSeconds = Number(values.idle);
const every = Number(values.every);
const extraEnv = Object.fromEntries(
  values.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);

const REPORT_MEMORY = fileURLToPath(new URL('./report-memory.ts', import.meta.url));
const MODELS = values.models.split(',');

function rssMb(pid: number): number {
  return processMemory(pid).rss / 1048576;
}

/**
 * Pages the process freed with madvise(MADV_FREE): still counted in RSS, but the kernel takes them back as
 * soon as it needs memory (smaps_rollup `LazyFree`). V8 gives up heap pages this way on Linux.
 */
function lazyFreeMb(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/LazyFree:\s+(\d+)/.exec(rollup)?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory by kind of mapping (heap pages are anonymous), from /proc/<pid>/smaps. */
function largestMappings(pid: number): string {
  const byKind = new Map<string, number>();
  let kind = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      kind = header[2]?.trim() || '[anonymous]';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) byKind.set(kind, (byKind.get(kind) ?? 0) + Number(rss[1]) / 1024);
  }
  return [...byKind]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, mbs]) => `${name.split('/').pop()} ${mbs.toFixed(0)} MB`)
    .join(', ');
}

installCleanup();
const [openai, anthropic, gemini] = await Promise.all([startOpenAIMock(), startAnthropicMock(), startGeminiMock()]);
const port = await freePort();
const gateway = await startChild({
  name: 'gateway',
  nodeArgs: ['--expose-gc', ...values['node-flag'], '--import', REPORT_MEMORY, GATEWAY_SCRIPT],
  env: {
    PORT: String(port),
    SWITCHYARD_LOG_LEVEL: 'error',
    OPENAI_API_KEY: 'sk-soak-openai-0000000000000000',
    OPENAI_BASE_URL: `${openai.url}/v1`,
    ANTHROPIC_API_KEY: 'sk-ant-soak-000000000000000000',
    ANTHROPIC_BASE_URL: anthropic.url,
    GEMINI_API_KEY: 'AIza-soak-0000000000000000000000',
    GEMINI_BASE_URL: gemini.url,
    ...extraEnv,
  },
  port,
});
const base = gateway.url;

async function heap(): Promise<NodeJS.MemoryUsage> {
  const reply = gateway.nextMessage((message) => typeof message === 'object' && message !== null, 30_000);
  gateway.send('memory');
  return ((await reply) as { memory: NodeJS.MemoryUsage }).memory;
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
const rows: string[] = [];
async function sample(label: string): Promise<void> {
  const memory = await heap();
  const row = `| ${label} | ${rssMb(gateway.pid).toFixed(1)} | ${lazyFreeMb(gateway.pid).toFixed(1)} | ${mb(memory.heapUsed)} | ${mb(memory.heapTotal)} | ${mb(memory.external)} | ${mb(memory.arrayBuffers)} |`;
  rows.push(row);
  console.log(row);
}

console.log(
  `gateway pid ${gateway.pid}, ${total} requests, concurrency ${concurrency}, env ${JSON.stringify(extraEnv)} ${values['node-flag'].join(' ')}`,
);
console.log(
  '| at | RSS MB | of which lazily freed MB | heap used MB | heap total MB | external MB | arrayBuffers MB |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
await sample('start');
let sent = 0;
let failed = 0;
let nextSample = every;
const started = Date.now();
async function worker(): Promise<void> {
  while (sent < total) {
    const i = sent++;
    const stream = values.stream === 'both' ? i % 2 === 1 : values.stream === 'yes';
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODELS[i % MODELS.length],
        stream,
        messages: [{ role: 'user', content: `Hello ${i}` }],
      }),
    });
    await response.text();
    if (!response.ok) failed++;
    if (i + 1 >= nextSample) {
      nextSample += every;
      await sample(`${i + 1} requests`);
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (Date.now() - started) / 1000;
await sample(`after ${total} (${(total / seconds).toFixed(0)} req/s, ${failed} failed)`);
for (let s = 5; s <= idleSeconds; s += 5) {
  await new Promise((resolve) => setTimeout(resolve, 5000));
  await sample(`idle ${s} s`);
}
console.log(`mappings holding the RSS: ${largestMappings(gateway.pid)}`);
if (gateway.exited()) console.log(`the gateway exited during the soak:\n${gateway.output()}`);
await gateway.stop();
await Promise.all([openai, anthropic, gemini].map((mock) => mock.close()));
process.exit(0);
