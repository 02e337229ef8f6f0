/**
 * The o200k counter gives gpt-tokenizer's own counts (its public `countTokens`, the reference), on generated
 * text built to hit every branch of the split pattern and on real text, and stays linear on hostile input.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { SCAN_BYTES } from '../../src/limits/bpe-merge.ts';
import {
  clearCountCache,
  countO200k,
  FAST_CHAR_RANGES,
  FAST_SPLIT_SOURCE,
  MAX_PIECE,
} from '../../src/limits/o200k-counter.ts';

const reference = (text: string) => countTokens(text, { disallowedSpecial: new Set() });

/** o200k's pattern as FAST_SPLIT_SOURCE was derived from; if gpt-tokenizer changes it, re-derive. */
const O200K_PATTERN = [
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?",
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?",
  '\\p{N}{1,3}',
  ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*',
  '\\s*[\\r\\n]+',
  '\\s+(?!\\S)',
  '\\s+',
].join('|');

/** Characters chosen to hit every class of the pattern, ASCII and not. */
const ALPHABET = [
  ..."aAzZqQ09 \t\n\r\n/''sStTllLLvVrReEdDmM.,;:!?-_=+*#@$%^&()[]{}<>|\\\"`~",
  ...'’“”—–…•‰′″‹›⁄', // general punctuation (the fast path)
  ...'éÉßøÆñ', // Latin letters
  ...'日本語한국어', // Lo letters
  'ǅ', // Lt
  'ʰ', // Lm
  '\u0301', // combining mark
  '٣', // Arabic-Indic digit (\p{N})
  '½', // No
  '\u00a0', // no-break space (\s)
  '\u2028', // line separator (\s, not \r\n)
  '\u200b', // zero-width space (not \s)
  '😀',
  '\ud83d', // a lone surrogate
];

const textArbitrary = fc
  .array(fc.oneof(fc.constantFrom(...ALPHABET), fc.constantFrom('the', ' The', "don't", '  ', '\n  ', '1234')), {
    maxLength: 120,
  })
  .map((pieces) => pieces.join(''));

describe('o200k counter', () => {
  test('the library pattern is the one the fast split was derived from', () => {
    assert.equal(O200K_TOKEN_SPLIT_REGEX.source, O200K_PATTERN);
    assert.equal(
      FAST_SPLIT_SOURCE,
      O200K_PATTERN.replaceAll('\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}', 'A-Z')
        .replaceAll('\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}', 'a-z')
        .replaceAll('\\p{L}\\p{N}', 'A-Za-z0-9')
        .replaceAll('\\p{N}', '[0-9]'),
    );
  });

  test('the non-ASCII characters of the fast path are no letter, mark, number or space', () => {
    const special = /[\p{L}\p{M}\p{N}\s]/u;
    for (const [from, to] of FAST_CHAR_RANGES) {
      if (from < 0x80) continue;
      for (let code = from; code <= to; code++) {
        assert.equal(special.test(String.fromCharCode(code)), false, `U+${code.toString(16)}`);
      }
    }
  });

  test('equals the reference on generated text', () => {
    fc.assert(
      fc.property(textArbitrary, (text) => {
        assert.equal(countO200k(text), reference(text), JSON.stringify(text));
      }),
      { numRuns: 3000 },
    );
  });

  test('equals the reference on generated text of several lines mixing scripts', () => {
    const line = fc
      .tuple(textArbitrary, fc.constantFrom('\n', '\n  ', '\n\t', '\r\n', '\n\n', '\n/'))
      .map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = lines.join('');
        assert.equal(countO200k(text), reference(text), JSON.stringify(text));
      }),
      { numRuns: 1000 },
    );
  });

  test('equals the reference on real text: this repository’s README and sources', () => {
    let text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const dir of ['../../src/routing/', '../../providers/anthropic/']) {
      for (const file of readdirSync(new URL(dir, import.meta.url))) {
        if (file.endsWith('.ts')) text += readFileSync(new URL(dir + file, import.meta.url), 'utf8');
      }
    }
    assert.ok(text.length > 100_000);
    assert.equal(countO200k(text), reference(text));
  });

  test('equals the reference on single pre-tokens longer than the scanning merge takes (the heap merge)', () => {
    // One pre-token each, SCAN_BYTES + 1 bytes up to MAX_PIECE characters: runs of spaces, of punctuation, a
    // long word, a run of CJK letters (3 bytes each), mixed punctuation with general punctuation.
    const run = (alphabet: string, min: number) =>
      fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: MAX_PIECE }).map((c) => c.join(''));
    const longPieces = fc.oneof(
      run(' ', SCAN_BYTES + 1).map((spaces) => `${spaces}x`),
      run('=-*#_.', SCAN_BYTES + 1),
      run('abcdefghijklmnopqrstuvwxyz', SCAN_BYTES + 1),
      run('日本語漢字한국어', Math.ceil(SCAN_BYTES / 3) + 1),
      run('.,;:!?’“”—…•', SCAN_BYTES + 1),
    );
    fc.assert(
      fc.property(longPieces, (text) => {
        clearCountCache();
        assert.equal(countO200k(text), reference(text), JSON.stringify(text.slice(0, 80)));
      }),
      { numRuns: 300 },
    );
  });

  test('counts stay exact while the piece cache grows and is emptied', () => {
    // More distinct pre-tokens than the cache holds (65,536): it grows, fills, empties and refills mid-count.
    let seed = 11;
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const words = Array.from({ length: 80_000 }, () => {
      let word = ' ';
      for (let i = 0; i < 7; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        word += letters[seed % 26];
      }
      return word;
    });
    const text = words.join('');
    clearCountCache();
    const exact = reference(text);
    assert.equal(countO200k(text), exact);
    assert.equal(countO200k(text), exact, 'again, with what is left in the cache');
  });

  test('text that looks like special tokens counts as plain text', () => {
    const text = 'before <|endoftext|> after <|im_start|>';
    assert.equal(countO200k(text), reference(text));
  });

  test('runs of one class longer than a piece stay close to the reference', () => {
    for (const run of ['='.repeat(5000), ' '.repeat(3000), 'ab'.repeat(2000), '日'.repeat(3000)]) {
      const exact = reference(run);
      const counted = countO200k(run);
      assert.ok(
        Math.abs(counted - exact) <= Math.ceil(run.length / MAX_PIECE) * 2,
        `${run.slice(0, 4)}: ${counted} vs ${exact}`,
      );
    }
  });

  test('hostile megabyte runs are counted in linear time', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const mixed = Array.from({ length: 1_000_000 }, () => '=-*#'[Math.floor(random() * 4)]).join('');
    for (const text of ['='.repeat(1_000_000), mixed, 'a'.repeat(1_000_000)]) {
      const started = performance.now();
      const tokens = countO200k(text);
      const ms = performance.now() - started;
      assert.ok(tokens > 0);
      // The quadratic merge would take minutes; linear work takes well under a second even on a busy machine.
      assert.ok(ms < 5000, `${ms} ms`);
    }
  });

  test('stops once past the limit it was given', () => {
    const text = 'word '.repeat(50_000);
    const full = countO200k(text);
    const stopped = countO200k(text, 1000);
    assert.equal(full, reference(text));
    assert.ok(stopped > 1000 && stopped < 1100, String(stopped));
  });
});
