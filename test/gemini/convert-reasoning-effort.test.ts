import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertReasoningEffort, geminiThinkingFamily } from '../../providers/gemini/convert-reasoning-effort.ts';
import { WarningList } from '../../providers/gemini/warnings.ts';

function convert(effort: string | null | undefined, model: string) {
  const warnings = new WarningList();
  return {
    thinking: convertReasoningEffort(effort, model, warnings),
    warnings: warnings.toArray().map((warning) => warning.param),
  };
}

describe('convertReasoningEffort', () => {
  it('knows which models take a level, a budget, or do not think', () => {
    assert.equal(geminiThinkingFamily('gemini-3-pro-preview'), 'level');
    assert.equal(geminiThinkingFamily('models/gemini-3.5-flash'), 'level');
    assert.equal(geminiThinkingFamily('gemini-flash-latest'), 'level');
    assert.equal(geminiThinkingFamily('gemini-2.5-flash-lite'), 'budget');
    assert.equal(geminiThinkingFamily('gemini-2.0-flash'), 'no-thinking');
    assert.equal(geminiThinkingFamily('gemini-1.5-pro'), 'no-thinking');
  });

  it('maps efforts to levels one to one on Gemini 3+', () => {
    for (const [effort, level] of [
      ['minimal', 'MINIMAL'],
      ['low', 'LOW'],
      ['medium', 'MEDIUM'],
      ['high', 'HIGH'],
      ['xhigh', 'XHIGH'],
    ]) {
      assert.deepEqual(convert(effort, 'gemini-3-flash'), { thinking: { thinkingLevel: level }, warnings: [] });
    }
  });

  it('says so when Gemini 3+ has no such level', () => {
    assert.deepEqual(convert('none', 'gemini-3-flash'), {
      thinking: { thinkingLevel: 'MINIMAL' },
      warnings: ['reasoning_effort'],
    });
    assert.deepEqual(convert('max', 'gemini-3-flash'), {
      thinking: { thinkingLevel: 'XHIGH' },
      warnings: ['reasoning_effort'],
    });
    assert.deepEqual(convert('extreme', 'gemini-3-flash'), { thinking: undefined, warnings: ['reasoning_effort'] });
  });

  it('turns thinking off on Gemini 2.5 for none where allowed, and warns otherwise', () => {
    assert.deepEqual(convert('none', 'gemini-2.5-flash'), { thinking: { thinkingBudget: 0 }, warnings: [] });
    assert.deepEqual(convert('none', 'gemini-2.5-pro'), { thinking: undefined, warnings: ['reasoning_effort'] });
    assert.deepEqual(convert('high', 'gemini-2.5-flash'), { thinking: undefined, warnings: ['reasoning_effort'] });
  });

  it('leaves models that do not think alone', () => {
    assert.deepEqual(convert('none', 'gemini-2.0-flash'), { thinking: undefined, warnings: [] });
    assert.deepEqual(convert('high', 'gemini-2.0-flash'), { thinking: undefined, warnings: ['reasoning_effort'] });
  });

  it('does nothing without an effort', () => {
    assert.deepEqual(convert(undefined, 'gemini-3-flash'), { thinking: undefined, warnings: [] });
    assert.deepEqual(convert(null, 'gemini-3-flash'), { thinking: undefined, warnings: [] });
  });
});
