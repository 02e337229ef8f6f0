/**
 * Byte-pair merging as tiktoken's `_byte_pair_merge` (and gpt-tokenizer's BytePairEncodingCore) runs it:
 * start from single bytes, repeatedly merge the adjacent pair whose concatenation has the lowest rank (the
 * leftmost on a tie), stop when no pair is a token. Only the number of tokens left is needed.
 *
 * Two ways to find the lowest pair, with the same answer: a scan of every pair after each merge (tiktoken's;
 * the fastest for the short pieces words are) and, past `SCAN_BYTES`, a binary heap of pairs keyed by
 * (rank, position), whose stale entries are skipped when they come out: a scan is quadratic in the piece's
 * length, and o200k makes a whole run of spaces or punctuation one pre-token. Both work in typed arrays of
 * positions, so merging allocates nothing.
 */
import { prefixHashes } from './byte-hash.ts';
import { NOT_A_TOKEN, type RankTable } from './rank-table.ts';

/** Pieces of up to this many bytes are merged by scanning (tiktoken's choice too, for short pieces). */
export const SCAN_BYTES = 48;

/** The longest piece mergeCount takes: heap keys are `rank · 2¹² + start` in 31 bits (ranks below 2¹⁹). */
export const MAX_BYTES = 4095;
const START_BITS = 12;
const START_MASK = (1 << START_BITS) - 1;

/** Scratch arrays, grown to the longest piece seen. */
let prefix = new Int32Array(0);
let starts = new Int32Array(0);
let pairRanks = new Int32Array(0);
let next = new Int32Array(0);
let previous = new Int32Array(0);
let heap = new Int32Array(0);

function reserve(length: number): void {
  if (prefix.length > length + 1) return;
  const size = Math.max(length + 2, prefix.length * 2);
  prefix = new Int32Array(size);
  starts = new Int32Array(size);
  pairRanks = new Int32Array(size);
  next = new Int32Array(size);
  previous = new Int32Array(size);
  // Each merge pushes at most two pairs: the heap holds at most three entries per byte.
  heap = new Int32Array(3 * size);
}

/** The number of tokens `bytes[0..length)` merges into. */
export function mergeCount(table: RankTable, bytes: Uint8Array, length: number): number {
  if (length <= 1) return length;
  if (length > MAX_BYTES) throw new RangeError(`a piece of ${length} bytes is more than mergeCount takes`);
  reserve(length);
  prefixHashes(bytes, length, prefix);
  if (table.rank(bytes, prefix, 0, length) !== NOT_A_TOKEN) return 1;
  // Two or three bytes that are not one token: merging one pair leaves the whole, which is not a token.
  if (length === 2) return 2;
  if (length === 3) {
    const pairs = table.rank(bytes, prefix, 0, 2) !== NOT_A_TOKEN || table.rank(bytes, prefix, 1, 3) !== NOT_A_TOKEN;
    return pairs ? 2 : 3;
  }
  return length <= SCAN_BYTES ? scanMerge(table, bytes, length) : heapMerge(table, bytes, length);
}

/**
 * Parts are `starts[i]..starts[i + 1]` for i < parts; `pairRanks[i]` is the rank of part i joined with
 * part i + 1 (NOT_A_TOKEN for the last part).
 */
function scanMerge(table: RankTable, bytes: Uint8Array, length: number): number {
  let parts = length;
  for (let i = 0; i <= length; i++) starts[i] = i;
  for (let i = 0; i < length - 1; i++) pairRanks[i] = table.rank(bytes, prefix, i, i + 2);
  pairRanks[length - 1] = NOT_A_TOKEN;
  for (;;) {
    let lowest = NOT_A_TOKEN;
    let at = -1;
    for (let i = 0; i < parts - 1; i++) {
      if (pairRanks[i]! < lowest) {
        lowest = pairRanks[i]!;
        at = i;
      }
    }
    if (at === -1) return parts;
    // Part at + 1 joins part at: drop its start and its pair.
    starts.copyWithin(at + 1, at + 2, parts + 1);
    pairRanks.copyWithin(at + 1, at + 2, parts);
    parts--;
    pairRanks[at] = at < parts - 1 ? table.rank(bytes, prefix, starts[at]!, starts[at + 2]!) : NOT_A_TOKEN;
    if (at > 0) pairRanks[at - 1] = table.rank(bytes, prefix, starts[at - 1]!, starts[at + 1]!);
  }
}

/**
 * Parts are linked by their first byte: `next[i]` is where the part starting at i ends (= the next part's
 * start), `previous[i]` where the one before starts, and `pairRanks[i]` the rank of the part at i joined
 * with the next (NOT_A_TOKEN if none or not a token). The heap holds `rank · 2¹² + start` for
 * every pair that was a token when pushed; an entry whose rank is no longer the pair's current one is
 * stale (a rank names one byte string, so the same rank at the same start is the same pair).
 */
function heapMerge(table: RankTable, bytes: Uint8Array, length: number): number {
  heapSize = 0;
  for (let i = 0; i < length; i++) {
    next[i] = i + 1;
    previous[i] = i - 1;
  }
  for (let i = 0; i < length; i++) pairRanks[i] = pairAt(table, bytes, length, i);
  let parts = length;
  while (heapSize > 0) {
    const key = pop();
    const start = key & START_MASK;
    const rank = key >>> START_BITS;
    if (pairRanks[start] !== rank) continue;
    // The next part joins the part at `start`.
    const joined = next[start]!;
    const end = next[joined]!;
    next[start] = end;
    if (end < length) previous[end] = start;
    pairRanks[joined] = NOT_A_TOKEN;
    parts--;
    pairRanks[start] = pairAt(table, bytes, length, start);
    const before = previous[start]!;
    if (before >= 0) pairRanks[before] = pairAt(table, bytes, length, before);
  }
  return parts;
}

let heapSize = 0;

/** The rank of the part at `start` joined with the next one, pushed on the heap if it is a token. */
function pairAt(table: RankTable, bytes: Uint8Array, length: number, start: number): number {
  const end = next[start]!;
  if (end >= length) return NOT_A_TOKEN;
  const rank = table.rank(bytes, prefix, start, next[end]!);
  if (rank !== NOT_A_TOKEN) push((rank << START_BITS) | start);
  return rank;
}

function push(key: number): void {
  let i = heapSize++;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! <= key) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = key;
}

function pop(): number {
  const top = heap[0]!;
  const last = heap[--heapSize]!;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= heapSize) break;
    if (child + 1 < heapSize && heap[child + 1]! < heap[child]!) child++;
    if (heap[child]! >= last) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
  return top;
}
