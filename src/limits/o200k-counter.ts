/**
 * Exact o200k_base token counts (GPT-4o, GPT-4.1, GPT-5, the o-series) from gpt-tokenizer's rank table and
 * split pattern. Only count-tokens.ts imports this module, lazily: gpt-tokenizer's table is 2.4 MB of source
 * and ~8 MB of heap, plus ~6.7 MB of typed arrays for ours, which a gateway that never needs a count should
 * not pay.
 *
 * Why not gpt-tokenizer's `countTokens` itself: it counts the same (test/limits/o200k-counter.test.ts compares
 * the two on generated and real text), but a 100k-token prompt costs it several times as long, spent in
 * o200k's Unicode regex (`\p{L}`, `\p{N}`, ... classes) and in decoding bytes back to text for every pair it
 * looks up. Here:
 * - text made only of ASCII and general punctuation (’ “ ” — … •) is split by the same pattern written with
 *   plain classes (`FAST_SPLIT`): restricted to those characters each class is exactly the class written
 *   there, so the pre-tokens are the same, and the regex engine needs no Unicode tables;
 * - other text is cut where no pre-token can cross (`SAFE_CUT`), so only the lines that need it pay for the
 *   Unicode pattern;
 * - no string is built per pre-token: each is encoded into one byte buffer (ASCII copied and hashed in one
 *   pass), looked up in a cache of counts (piece-cache.ts), then as a whole in the rank table (rank-table.ts:
 *   typed arrays keyed by bytes; most pre-tokens are one token), and only then merged (bpe-merge.ts,
 *   tiktoken's merge over positions in typed arrays).
 * Profiled on bench/tokens/count-tokens.ts, a 100k-token prompt of unseen words went from ~94 to ~42 ms of
 * CPU (load 6–7, bench/README.md): its time had gone to `Map<string, number>` lookups of new strings in the
 * 200k-entry table and the cache.
 *
 * BPE merging by scanning is quadratic in a pre-token's length and o200k puts a whole run of one class (a
 * megabyte of `=`, of spaces, of one letter) in one pre-token: long pre-tokens are merged with a heap, and a
 * run is counted in pieces of `MAX_PIECE` characters, which keeps a hostile prompt linear at the cost of at
 * most one token per piece.
 */
import o200kRanks from 'gpt-tokenizer/bpeRanks/o200k_base';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { mergeCount } from './bpe-merge.ts';
import { hashBytes, nextHash } from './byte-hash.ts';
import { PieceCache } from './piece-cache.ts';
import { NOT_A_TOKEN, RankTable } from './rank-table.ts';
import { encodeUtf8, isLowSurrogate } from './utf8-length.ts';

/**
 * o200k's split pattern (gpt-tokenizer's `O200K_TOKEN_SPLIT_REGEX`, tiktoken's `o200k_base` pat_str) with each
 * class written for `FAST_CHARS` only: `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]` → `[A-Z]`, `[\p{Ll}\p{Lm}\p{Lo}\p{M}]` →
 * `[a-z]`, `\p{L}\p{N}` → `A-Za-z0-9`, `\p{N}` → `[0-9]`. The general punctuation in FAST_CHARS is none of
 * letter, mark, number or white space, so it falls in the same negated classes in both patterns.
 */
const CONTRACTION = "(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?";
export const FAST_SPLIT_SOURCE = [
  `[^\\r\\nA-Za-z0-9]?[A-Z]*[a-z]+${CONTRACTION}`,
  `[^\\r\\nA-Za-z0-9]?[A-Z]+[a-z]*${CONTRACTION}`,
  '[0-9]{1,3}',
  ' ?[^\\sA-Za-z0-9]+[\\r\\n/]*',
  '\\s*[\\r\\n]+',
  '\\s+(?!\\S)',
  '\\s+',
].join('|');

/** Characters FAST_SPLIT handles: ASCII, and general punctuation without its spaces and format controls. */
export const FAST_CHAR_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x00, 0x7f],
  [0x2010, 0x2027],
  [0x2030, 0x205e],
];
const hex4 = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
const OUTSIDE_FAST_CHARS = new RegExp(`[^${FAST_CHAR_RANGES.map(([a, b]) => `${hex4(a)}-${hex4(b)}`).join('')}]`, 'g');
/**
 * A newline where an o200k pre-token always ends: followed by a visible character other than `/`, or by
 * spaces or tabs and then a visible character. Only `\s*[\r\n]+` and the `[\r\n/]*` tail of the
 * punctuation pattern can contain a newline, and neither can run on from it there.
 */
const SAFE_CUT = /\n(?=[^\S\r\n]+\S|[^\s/])/g;

/** Longer pre-tokens are counted in pieces of this many characters (see the top of the file). */
export const MAX_PIECE = 1024;
/**
 * Characters of long pre-tokens one count merges exactly that the cache did not know (~20 ms of work at
 * worst); past it, a piece counts as a token per 3 bytes (what random runs of punctuation come to). Real text never gets
 * near it; a crafted prompt of megabytes of mixed punctuation would otherwise hold the event loop for seconds.
 */
const LONG_PIECE_BUDGET = 32_768;
const LONG_PIECE_BYTES_PER_TOKEN = 3;
/** Counts per pre-token; emptied when it holds this many entries or bytes. */
const CACHE_ENTRIES = 65_536;
const CACHE_BYTES = 2_097_152;

// Sticky: every character starts some pre-token, so the matches tile the text and `test` can step through
// them without building a match array each time.
const FAST_SPLIT = new RegExp(FAST_SPLIT_SOURCE, 'y');
const UNICODE_SPLIT = new RegExp(O200K_TOKEN_SPLIT_REGEX.source, 'uy');

/** o200k's ranks keyed by each token's UTF-8 bytes (rank-table.ts). Built once, from gpt-tokenizer's list. */
const table = new RankTable(o200kRanks);
/** The UTF-8 bytes of the piece being counted: at most MAX_PIECE + 1 characters, 3 bytes each. */
const pieceBytes = new Uint8Array(3 * (MAX_PIECE + 1));

const cache = new PieceCache(CACHE_ENTRIES, CACHE_BYTES);

/** Forgets the per-piece counts (for bench/count-tokens.ts: the cost of a prompt of all-new words). */
export function clearCountCache(): void {
  cache.clear();
}

interface Count {
  total: number;
  /** Stop once `total` exceeds this (the caller only needs to know that it does). */
  stopAbove: number;
  /** What is left of LONG_PIECE_BUDGET. */
  longChars: number;
}

/**
 * The number of o200k_base tokens in `text`, as OpenAI counts a message's content. With `stopAbove`, counting
 * stops as soon as the count exceeds it, and the result is then some number above `stopAbove`.
 */
export function countO200k(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  const count: Count = { total: 0, stopAbove, longChars: LONG_PIECE_BUDGET };
  let start = 0;
  while (start < text.length && count.total <= stopAbove) {
    OUTSIDE_FAST_CHARS.lastIndex = start;
    const other = OUTSIDE_FAST_CHARS.exec(text);
    if (!other) {
      countSplit(FAST_SPLIT, start === 0 ? text : text.slice(start), count);
      break;
    }
    // The fast part runs to the last safe cut before `other`; the Unicode part from there to the next cut.
    SAFE_CUT.lastIndex = start;
    let cut = start;
    let next = SAFE_CUT.exec(text);
    while (next && next.index < other.index) {
      cut = next.index + 1;
      next = SAFE_CUT.exec(text);
    }
    const end = next ? next.index + 1 : text.length;
    if (cut > start) countSplit(FAST_SPLIT, text.slice(start, cut), count);
    countSplit(UNICODE_SPLIT, text.slice(cut, end), count);
    start = end;
  }
  return count.total;
}

function countSplit(split: RegExp, text: string, count: Count): void {
  split.lastIndex = 0;
  for (let from = 0; from < text.length && split.test(text); from = split.lastIndex) {
    const to = split.lastIndex;
    count.total += to - from > MAX_PIECE ? countLongPiece(text, from, to, count) : countPiece(text, from, to);
    if (count.total > count.stopAbove) return;
  }
}

/** The tokens of `text[from..to)`, at most MAX_PIECE + 1 characters. */
function countPiece(text: string, from: number, to: number): number {
  // ASCII (nearly every pre-token) is its own UTF-8: copied and hashed in one pass.
  let length = 0;
  let hash = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) {
      length = encodeUtf8(text, from, to, pieceBytes, 0);
      hash = hashBytes(pieceBytes, 0, length);
      break;
    }
    pieceBytes[length++] = code;
    hash = nextHash(hash, code);
  }
  const known = cache.get(pieceBytes, length, hash);
  return known >= 0 ? known : countNewPiece(length, hash);
}

/** The tokens of the `length` bytes in `pieceBytes`, which the cache does not know. */
function countNewPiece(length: number, hash: number): number {
  // Most pre-tokens are one token: found in the table, not merged.
  const tokens = table.rankOf(pieceBytes, 0, length, hash) !== NOT_A_TOKEN ? 1 : mergeCount(table, pieceBytes, length);
  cache.set(pieceBytes, length, hash, tokens);
  return tokens;
}

/** A pre-token `text[from..to)` longer than MAX_PIECE, in pieces (see the top of the file). */
function countLongPiece(text: string, from: number, to: number, count: Count): number {
  let total = 0;
  for (let at = from; at < to; ) {
    let end = Math.min(to, at + MAX_PIECE);
    // Never cut a surrogate pair: half a character would count as replacement bytes.
    if (end < to && isLowSurrogate(text.charCodeAt(end))) end++;
    const length = encodeUtf8(text, at, end, pieceBytes, 0);
    const hash = hashBytes(pieceBytes, 0, length);
    const known = cache.get(pieceBytes, length, hash);
    if (known >= 0) total += known;
    else if (count.longChars > 0) {
      count.longChars -= end - at;
      total += countNewPiece(length, hash);
    } else total += Math.ceil(length / LONG_PIECE_BYTES_PER_TOKEN);
    at = end;
  }
  return total;
}
