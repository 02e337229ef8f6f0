/**
 * Exact o200k_base token counts (GPT-4o, GPT-4.1, GPT-5, the o-series) from gpt-tokenizer's rank table and
 * split pattern. Only count-tokens.ts imports this module, lazily: the table is 2.4 MB of source and ~17 MB
 * of heap once built, which a gateway that never needs a count should not pay.
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
 * - the table is keyed by each token's UTF-8 bytes as a one-byte string, so the merge (tiktoken's, in
 *   `mergeCount`) looks up slices of a string and never decodes;
 * - a count per pre-token is cached (most pre-tokens are common words, one token each).
 *
 * BPE merging is quadratic in a pre-token's length and o200k puts a whole run of one class (a megabyte of
 * `=`, of spaces, of one letter) in one pre-token: such a run is counted in pieces of `MAX_PIECE` characters,
 * which keeps a hostile prompt linear at the cost of at most one token per piece.
 */
import o200kRanks from 'gpt-tokenizer/bpeRanks/o200k_base';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { isLowSurrogate, utf8ByteString, utf8Length } from './utf8-length.ts';

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
 * Characters of long pre-tokens one count merges exactly that the cache did not know (~0.1 s of work); past
 * it, a piece counts as a token per 3 bytes (what random runs of punctuation come to). Real text never gets
 * near it; a crafted prompt of megabytes of mixed punctuation would otherwise hold the event loop for seconds.
 */
const LONG_PIECE_BUDGET = 32_768;
const LONG_PIECE_BYTES_PER_TOKEN = 3;
/** Counts per pre-token; emptied when it holds this many entries or characters. */
const CACHE_ENTRIES = 65_536;
const CACHE_CHARS = 2_097_152;

// Sticky: every character starts some pre-token, so the matches tile the text and `test` can step through
// them without building a match array each time.
const FAST_SPLIT = new RegExp(FAST_SPLIT_SOURCE, 'y');
const UNICODE_SPLIT = new RegExp(O200K_TOKEN_SPLIT_REGEX.source, 'uy');

/**
 * o200k's ranks keyed by each token's UTF-8 bytes as a one-byte string (a character per byte): pieces of ASCII
 * text are their own keys, and the merge below never decodes bytes back to text. Holes in the table (unused
 * ranks) stay holes. Built once, from gpt-tokenizer's table.
 */
const ranks = new Map<string, number>();
o200kRanks.forEach((token, rank) => {
  ranks.set(typeof token === 'string' ? utf8ByteString(token) : String.fromCharCode(...token), rank);
});

/**
 * Byte-pair merging (tiktoken's `_byte_pair_merge`, as gpt-tokenizer's BytePairEncodingCore runs it): start
 * from single bytes, repeatedly merge the adjacent pair whose concatenation has the lowest rank (the leftmost
 * on a tie), stop when no pair is a token. Returns the number of tokens left. Quadratic in the piece's
 * length, which MAX_PIECE bounds.
 */
function mergeCount(bytes: string): number {
  if (bytes.length <= 1 || ranks.has(bytes)) return Math.min(bytes.length, 1);
  // Two or three bytes that are not one token: merging one pair leaves the whole, which is not a token.
  if (bytes.length === 2) return 2;
  if (bytes.length === 3) return ranks.has(bytes.slice(0, 2)) || ranks.has(bytes.slice(1)) ? 2 : 3;
  const starts: number[] = [];
  const pairRanks: number[] = [];
  const rankOf = (from: number, to: number | undefined) =>
    to === undefined ? Number.POSITIVE_INFINITY : (ranks.get(bytes.slice(from, to)) ?? Number.POSITIVE_INFINITY);
  for (let i = 0; i <= bytes.length; i++) {
    starts.push(i);
    pairRanks.push(i < bytes.length - 1 ? rankOf(i, i + 2) : Number.POSITIVE_INFINITY);
  }
  while (starts.length > 1) {
    let lowest = Number.POSITIVE_INFINITY;
    let at = -1;
    for (let i = 0; i < pairRanks.length - 1; i++) {
      if (pairRanks[i]! < lowest) {
        lowest = pairRanks[i]!;
        at = i;
      }
    }
    if (at === -1) break;
    starts.splice(at + 1, 1);
    pairRanks.splice(at, 1);
    pairRanks[at] = rankOf(starts[at]!, starts[at + 2]);
    if (at > 0) pairRanks[at - 1] = rankOf(starts[at - 1]!, starts[at + 1]);
  }
  return starts.length - 1;
}

const cache = { counts: new Map<string, number>(), chars: 0 };

/** Forgets the per-piece counts (for bench/count-tokens.ts: the cost of a prompt of all-new words). */
export function clearCountCache(): void {
  cache.counts.clear();
  cache.chars = 0;
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
    const piece = text.slice(from, split.lastIndex);
    count.total += piece.length > MAX_PIECE ? countLongPiece(piece, count) : countPiece(piece);
    if (count.total > count.stopAbove) return;
  }
}

function countPiece(piece: string): number {
  const known = cache.counts.get(piece);
  if (known !== undefined) return known;
  const tokens = mergeCount(utf8ByteString(piece));
  if (cache.counts.size >= CACHE_ENTRIES || cache.chars >= CACHE_CHARS) {
    cache.counts.clear();
    cache.chars = 0;
  }
  cache.counts.set(piece, tokens);
  cache.chars += piece.length;
  return tokens;
}

function countLongPiece(piece: string, count: Count): number {
  let total = 0;
  for (let at = 0; at < piece.length; ) {
    let end = Math.min(piece.length, at + MAX_PIECE);
    // Never cut a surrogate pair: half a character would count as replacement bytes.
    if (end < piece.length && isLowSurrogate(piece.charCodeAt(end))) end++;
    const part = piece.slice(at, end);
    const known = cache.counts.get(part);
    if (known !== undefined) total += known;
    else if (count.longChars > 0) {
      count.longChars -= part.length;
      total += countPiece(part);
    } else total += Math.ceil(utf8Length(part) / LONG_PIECE_BYTES_PER_TOKEN);
    at = end;
  }
  return total;
}
