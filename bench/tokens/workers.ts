/**
 * What token counting costs on Workers (`node bench/tokens/workers.ts`): the bundle's size raw and gzipped,
 * and inside workerd (Miniflare) the first request of a fresh isolate, once with a short prompt (decided by
 * the tokenizer-free bound: the o200k table is never evaluated) and once with a ~150k-token prompt for
 * gpt-4o-mini (the table is loaded and the prompt counted; the answer is the 400 context_length_exceeded),
 * then the same long prompt again in the warm isolate. CPU is the workerd process's (/proc), wall is the
 * client's. Each case gets its own workerd, so each first request is a new isolate. About half a minute.
 *
 * Talks only to 127.0.0.1 (a loopback OpenAI mock); workerd and the mock stop at the end.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { startOpenAIMock } from '../../mocks/openai-mock.ts';
import { cpuTimeMs } from '../lib/proc.ts';
import { bundleWorker, type RunningWorkerd, startWorkerd } from '../lib/workerd.ts';

const GATEWAY_KEY = 'bench-gateway-key';
const WORDS = ['gateway', 'provider', 'failover', 'budget', 'token', 'window', 'stream', 'request', 'the', 'of'];
const LONG = Array.from({ length: 150_000 }, (_, i) =>
  i % 17 === 16 ? '.\n' : ` ${WORDS[(i * 7) % WORDS.length]}`,
).join('');

function body(content: string): string {
  return JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
}

async function timed(worker: RunningWorkerd, payload: string, status: number): Promise<string> {
  const pid = worker.pid()!;
  const cpu = cpuTimeMs(pid);
  const started = performance.now();
  const response = await fetch(`${worker.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
    body: payload,
  });
  const text = await response.text();
  const wall = performance.now() - started;
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text.slice(0, 200)}`);
  return `${(cpuTimeMs(pid) - cpu).toFixed(0)} ms CPU, ${wall.toFixed(0)} ms wall`;
}

const bundle = bundleWorker();
const openai = await startOpenAIMock();
const rows: Array<[string, string]> = [];
try {
  const source = readFileSync(bundle.script);
  rows.push([
    'bundle (worker.js)',
    `${(source.length / 1024).toFixed(0)} KiB, gzip ${(gzipSync(source).length / 1024).toFixed(0)} KiB`,
  ]);
  const env = { GATEWAY_API_KEYS: GATEWAY_KEY, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${openai.url}/v1` };
  for (const [name, payload, status, again] of [
    ['first request of a new isolate, short prompt', body('Hello!'), 200, false],
    ['first request of a new isolate, ~150k-token prompt (loads the table)', body(LONG), 400, true],
  ] as const) {
    const worker = await startWorkerd(bundle, { env });
    try {
      rows.push([name, await timed(worker, payload, status)]);
      if (again) rows.push(['  the same prompt again, warm isolate', await timed(worker, payload, status)]);
    } finally {
      await worker.close();
    }
  }
} finally {
  await openai.close();
  bundle.remove();
}
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
