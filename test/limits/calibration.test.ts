/**
 * Where the Claude and Gemini estimates come from: the recorded answers in ../shared/replay-fixtures carry
 * the provider's own count of the answer's tokens (`usage.output_tokens`, `candidatesTokenCount`) next to the
 * answer's text. For every recording whose answer is text only (no thinking, no tool call; see `usable`),
 * the provider's count is compared with the o200k count of the same text; the constants in
 * count-tokens.ts must be that ratio (summed over the recordings), to two decimals.
 *
 * A small sample (three short English answers from Claude; five from Gemini, one of them recorded both as
 * JSON and as a stream), which is why the context check gives estimates a margin (check-context.ts) and the
 * README calls them estimates.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLAUDE_TOKENS_PER_O200K, GEMINI_TOKENS_PER_O200K } from '../../src/limits/count-tokens.ts';
import { countO200k } from '../../src/limits/o200k-counter.ts';
import { fixtureNames, readFixture, SKIP_WITHOUT_FIXTURES } from '../support/replay-upstream.ts';

interface Sample {
  file: string;
  text: string;
  providerTokens: number;
}

type Json = Record<string, unknown>;
const asRecord = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Events of a recording: the JSON body, or each JSON line of a chunks file. */
function events(file: string, raw: string): Json[] {
  if (file.endsWith('.json')) return [asRecord(JSON.parse(raw))];
  return raw
    .split('\n')
    .map((line) => line.replace(/^data: /, '').trim())
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [asRecord(JSON.parse(line))];
      } catch {
        return [];
      }
    });
}

/**
 * At least 10 tokens, and no more tokens than characters: a count above that cannot be about this text (one
 * recording, of a duplicated `message_start`, reports 227 output tokens for 13 characters).
 */
function usable(file: string, text: string, tokens: number | undefined): Sample | undefined {
  return tokens !== undefined && tokens >= 10 && tokens <= text.length
    ? { file, text, providerTokens: tokens }
    : undefined;
}

function anthropicSample(file: string, raw: string): Sample | undefined {
  let text = '';
  let tokens: number | undefined;
  for (const event of events(file, raw)) {
    const blocks = [...asArray(event.content), asRecord(event.content_block)].filter((b) => asRecord(b).type);
    if (blocks.some((block) => asRecord(block).type !== 'text')) return undefined;
    for (const block of asArray(event.content)) text += String(asRecord(block).text ?? '');
    const delta = asRecord(event.delta);
    if (delta.type === 'text_delta') text += String(delta.text ?? '');
    const usage = asRecord(event.usage);
    if (typeof usage.output_tokens === 'number') tokens = usage.output_tokens;
  }
  return usable(file, text, tokens);
}

function geminiSample(file: string, raw: string): Sample | undefined {
  let text = '';
  let tokens: number | undefined;
  for (const event of events(file, raw)) {
    for (const candidate of asArray(event.candidates)) {
      for (const part of asArray(asRecord(asRecord(candidate).content).parts)) {
        const fields = asRecord(part);
        if (fields.thought === true || typeof fields.text !== 'string') return undefined;
        text += fields.text;
      }
    }
    const usage = asRecord(event.usageMetadata);
    if (typeof usage.candidatesTokenCount === 'number') tokens = usage.candidatesTokenCount;
  }
  return usable(file, text, tokens);
}

function samples(provider: 'anthropic' | 'google', read: (file: string, raw: string) => Sample | undefined): Sample[] {
  const files = [
    ...fixtureNames(provider, '.json').map((name) => `${name}.json`),
    ...fixtureNames(provider, '.chunks.txt').map((name) => `${name}.chunks.txt`),
  ];
  return files.flatMap((file) => read(file, readFixture(provider, file)) ?? []);
}

function ratio(list: Sample[]): number {
  const providerTotal = list.reduce((sum, sample) => sum + sample.providerTokens, 0);
  const o200kTotal = list.reduce((sum, sample) => sum + countO200k(sample.text), 0);
  return providerTotal / o200kTotal;
}

describe('estimate calibration against the recorded fixtures', { skip: SKIP_WITHOUT_FIXTURES }, () => {
  test('Claude tokens per o200k token', () => {
    const list = samples('anthropic', anthropicSample);
    assert.ok(list.length >= 3, `samples: ${list.map((sample) => sample.file).join(', ')}`);
    assert.equal(CLAUDE_TOKENS_PER_O200K, Math.round(ratio(list) * 100) / 100);
  });

  test('Gemini tokens per o200k token', () => {
    const list = samples('google', geminiSample);
    assert.ok(list.length >= 3, `samples: ${list.map((sample) => sample.file).join(', ')}`);
    assert.equal(GEMINI_TOKENS_PER_O200K, Math.round(ratio(list) * 100) / 100);
  });
});
