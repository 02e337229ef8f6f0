/**
 * Exact o200k_base token counts (GPT-4o, GPT-4.1, GPT-5, the o-series), on gpt-tokenizer's rank table and BPE
 * core. Only count-tokens.ts imports this module, lazily: the table is 2.4 MB of source and ~17 MB of heap
 * once built, which a gateway that never needs a count should not pay.
 *
 * Why not gpt-tokenizer's `countTokens` as it is: on a 100k-token prompt about 4/5 of its time goes to the
 * pre-tokenizer, o200k's Unicode regex (`\p{L}`, `\p{N}`, ... classes). Three things make this ~5× faster
 * with the same counts (test/limits/o200k-counter.test.ts compares both on generated and real text):
 * - text made only of ASCII and general punctuation (’ “ ” — … •) is split by the same regex written with
 *   plain classes (`FAST_SPLIT`): restricted to those characters each class is exactly the class written
 *   there, so the pre-tokens are the same, and the regex engine runs without Unicode tables;
 * - other text is cut where no pre-token can cross (after a newline, before an ASCII letter or digit), so
 *   only the lines that need it pay for the Unicode regex;
 * - a count per pre-token is cached (most pre-tokens are common words that are one token each).
 *
 * BPE merging is quadratic in a pre-token's length and o200k puts a whole run of one class (a megabyte of
 * `=`, of spaces, of one letter) in one pre-token: such a run is counted in pieces of `MAX_PIECE` characters,
 * which keeps a hostile prompt linear at the cost of at most one token per piece.
 */
import { BytePairEncodingCore } from 'gpt-tokenizer/BytePairEncodingCore';
import o200kRanks from 'gpt-tokenizer/bpeRanks/o200k_base';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { createO200KSpecialTokenMap } from 'gpt-tokenizer/encodingParams/o200k_base';
import { isLowSurrogate, utf8Length } from './utf8-length.ts';

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

const FAST_SPLIT = new RegExp(FAST_SPLIT_SOURCE, 'g');
const UNICODE_SPLIT = new RegExp(O200K_TOKEN_SPLIT_REGEX.source, 'gu');

/**
 * The BPE core over the whole of each piece it is given (the splitting happens here). The special-token map is
 * passed so the core's special-token scan has a real pattern; no special token is ever allowed, so text like
 * `<|endoftext|>` in a message counts as the plain text it is, as OpenAI counts it.
 */
const core = new BytePairEncodingCore({
  bytePairRankDecoder: o200kRanks,
  specialTokensEncoder: createO200KSpecialTokenMap(),
  tokenSplitRegex: /[\s\S]+/gu,
  mergeCacheSize: 0,
});
const cache = { counts: new Map<string, number>(), chars: 0 };

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
  for (let match = split.exec(text); match !== null; match = split.exec(text)) {
    const piece = match[0];
    count.total += piece.length > MAX_PIECE ? countLongPiece(piece, count) : countPiece(piece);
    if (count.total > count.stopAbove) return;
  }
}

function countPiece(piece: string): number {
  const known = cache.counts.get(piece);
  if (known !== undefined) return known;
  const tokens = core.countNative(piece);
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
