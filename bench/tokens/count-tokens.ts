/**
 * Token counting (`npm run bench:tokens`): how long the gateway takes to count a 100k-token prompt before
 * sending it (the target: ≤ 50 ms), next to gpt-tokenizer's own `countTokens` on the same text. In a fresh
 * process, so the first figures include loading the o200k table and a cold JIT:
 * - load: importing src/limits/o200k-counter.ts (the table, built once per process or isolate);
 * - first count: the first prompt after the load (cold JIT, empty piece cache);
 * - new prompt: warm, but with the piece cache emptied before each count (every word unseen);
 * - repeated prompt: warm, cache kept (a conversation sent again with one more turn);
 * - countPromptTokens: the whole request (parts, framing) as routing and the budgets call it;
 * and the same for text that is mostly not ASCII (the Unicode pre-tokenizer), and a hostile megabyte.
 *
 * The text is this repository's README and sources (prose, tables, code), cut to 100k o200k tokens.
 *
 *   npm run bench:tokens               a few seconds
 *   node --expose-gc bench/tokens/count-tokens.ts --runs 50
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT as root } from '../lib/paths.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const RUNS = Math.min(500, Math.max(3, Number(values.runs)));
const TARGET_TOKENS = 100_000;
const TARGET_MS = 50;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir))
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) return sources(path);
      return name.endsWith('.ts') || name.endsWith('.md') ? [path] : [];
    });
}

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Process CPU time, ms: steadier than wall time on a shared machine (the figures report both). */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function time<T>(fn: () => T): { ms: number; cpu: number; value: T } {
  const started = performance.now();
  const cpu = cpuMs();
  const value = fn();
  return { ms: performance.now() - started, cpu: cpuMs() - cpu, value };
}

// The table is typed arrays (outside the JS heap: `external`) next to gpt-tokenizer's list (in it).
const memoryBefore = process.memoryUsage();
const loaded = performance.now();
const { countO200k, clearCountCache } = await import('../../src/limits/o200k-counter.ts');
const loadMs = performance.now() - loaded;
globalThis.gc?.();
const memoryAfter = process.memoryUsage();
const { countPromptTokens } = await import('../../src/limits/count-tokens.ts');
const { countTokens, clearMergeCache } = await import('gpt-tokenizer/encoding/o200k_base');

/** The corpus, cut at a line end near TARGET_TOKENS (counted by the reference). */
function corpus(): string {
  let text = '';
  for (const file of ['README.md', ...sources('src'), ...sources('providers'), ...sources('test')]) {
    text += `${readFileSync(join(root, file), 'utf8')}\n`;
    if (text.length > TARGET_TOKENS * 5) break;
  }
  let low = 0;
  let high = text.length;
  while (high - low > 1000) {
    const mid = Math.floor((low + high) / 2);
    if (countTokens(text.slice(0, mid), { disallowedSpecial: new Set() }) < TARGET_TOKENS) low = mid;
    else high = mid;
  }
  return text.slice(0, text.lastIndexOf('\n', high) + 1);
}

/** Mostly-not-ASCII text of about the same size: the corpus's words in other scripts, line by line. */
function foreign(text: string): string {
  const map: Record<string, string> = { a: 'ä', e: 'é', i: 'ï', o: 'ø', u: 'ü', s: 'ś', t: 'т', n: 'н', r: 'р' };
  return text.replace(/[aeioustnr]/g, (c) => map[c] ?? c);
}

const text = corpus();
const reference = countTokens(text, { disallowedSpecial: new Set() });
const rows: Array<[string, string]> = [];
const line = (name: string, value: string) => rows.push([name, value]);

line(
  'o200k table load (import, once per process / isolate)',
  `${loadMs.toFixed(0)} ms, +${((memoryAfter.heapUsed - memoryBefore.heapUsed) / 1e6).toFixed(1)} MB heap, +${(
    (memoryAfter.external - memoryBefore.external) / 1e6
  ).toFixed(1)} MB external (typed arrays, module sources)`,
);
const first = time(() => countO200k(text));
line(
  `first count after load (${reference} tokens, ${text.length} chars)`,
  `${first.ms.toFixed(1)} ms wall, ${first.cpu.toFixed(1)} ms CPU`,
);
if (first.value !== reference) throw new Error(`count ${first.value} differs from gpt-tokenizer's ${reference}`);

/** Median wall and CPU time of RUNS calls; `clear` empties both counters' caches first (every word unseen). */
function series(fn: () => unknown, clear: boolean): { ms: number; cpu: number; text: string } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (clear) {
      clearCountCache();
      clearMergeCache();
    }
    const { ms, cpu } = time(fn);
    walls.push(ms);
    cpus.push(cpu);
  }
  const ms = median(walls);
  const cpu = median(cpus);
  return { ms, cpu, text: `${ms.toFixed(1)} ms wall, ${cpu.toFixed(1)} ms CPU` };
}

const lib = (input: string) => () => countTokens(input, { disallowedSpecial: new Set() });
const fresh = series(() => countO200k(text), true);
line('new prompt (median; caches emptied: every word unseen)', fresh.text);
line('repeated prompt (median; caches kept, as in a running gateway)', series(() => countO200k(text), false).text);
line("gpt-tokenizer's countTokens, new prompt (median)", series(lib(text), true).text);
line("gpt-tokenizer's countTokens, repeated prompt (median)", series(lib(text), false).text);

const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: text }] };
const whole: number[] = [];
for (let i = 0; i < RUNS; i++) {
  clearCountCache();
  // A new object each time: countPromptTokens remembers the count per request object.
  const copy = { ...request, messages: [...request.messages] };
  const started = performance.now();
  await countPromptTokens(copy, 'openai', 'gpt-4o');
  whole.push(performance.now() - started);
}
line('countPromptTokens, whole request (median wall, new prompt)', `${median(whole).toFixed(1)} ms`);

const other = foreign(text);
const otherTokens = countO200k(other);
line(`mostly non-ASCII text (${otherTokens} tokens), new prompt (median)`, series(() => countO200k(other), true).text);
line("  gpt-tokenizer's countTokens, same text, new prompt", series(lib(other), true).text);

let seed = 7;
const hostile = Array.from({ length: 1_000_000 }, () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return '=-*#'[Math.floor((seed / 2147483648) * 4)];
}).join('');
clearCountCache();
line(
  '1 MB of random punctuation (one pre-token; plain BPE is quadratic)',
  `${time(() => countO200k(hostile)).ms.toFixed(0)} ms wall`,
);

const verdict = fresh.cpu <= TARGET_MS ? 'met' : 'MISSED';
line(
  `target: a 100k-token prompt counted in ≤ ${TARGET_MS} ms`,
  `${verdict} (${fresh.cpu.toFixed(1)} ms CPU, new prompt)`,
);

const width = Math.max(...rows.map(([name]) => name.length));
const load = (await import('node:os')).loadavg()[0]?.toFixed(1);
console.log(`Token counting (o200k_base), ${RUNS} runs per median, Node ${process.version}, load average ${load}\n`);
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
