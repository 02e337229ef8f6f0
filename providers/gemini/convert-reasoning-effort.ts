/**
 * OpenAI `reasoning_effort` → Gemini `thinkingConfig` (node_modules/@google/genai/dist/genai.d.ts:
 * `ThinkingConfig { thinkingBudget?, thinkingLevel? }`, `ThinkingLevel` MINIMAL..XHIGH;
 * https://ai.google.dev/gemini-api/docs/thinking).
 *
 * Gemini 3 and later take a level, which maps one to one except where Gemini has no such level (a warning
 * says what was used). Gemini 2.5 takes a token budget only: `none` becomes budget 0 (thinking off) where the
 * model allows it; other efforts have no honest budget equivalent and leave the model's dynamic thinking on,
 * with a warning. Gemini 1.x and 2.0 do not think: `none` is already true, anything else is a warning.
 */

import type { ThinkingConfig } from '@google/genai';
import { ThinkingLevel } from '@google/genai';
import type { WarningList } from './warnings.ts';

const LEVELS: Record<string, ThinkingLevel> = {
  minimal: ThinkingLevel.MINIMAL,
  low: ThinkingLevel.LOW,
  medium: ThinkingLevel.MEDIUM,
  high: ThinkingLevel.HIGH,
  xhigh: ThinkingLevel.XHIGH,
};

type Family = 'no-thinking' | 'budget' | 'level';

export function geminiThinkingFamily(model: string): Family {
  const match = /^gemini-(\d+)(?:\.(\d+))?/.exec(model.replace(/^models\//, '').toLowerCase());
  if (!match) return 'level'; // aliases such as gemini-flash-latest point at current models
  const major = Number(match[1]);
  const minor = Number(match[2] ?? '0');
  if (major < 2 || (major === 2 && minor < 5)) return 'no-thinking';
  return major === 2 ? 'budget' : 'level';
}

export function convertReasoningEffort(
  effort: string | null | undefined,
  model: string,
  warnings: WarningList,
): ThinkingConfig | undefined {
  if (effort === null || effort === undefined) return undefined;
  switch (geminiThinkingFamily(model)) {
    case 'no-thinking':
      if (effort !== 'none')
        warnings.add('reasoning_effort', `${model} does not think; reasoning_effort '${effort}' was not applied.`);
      return undefined;
    case 'budget':
      if (effort === 'none') {
        if (!model.includes('pro')) return { thinkingBudget: 0 };
        warnings.add('reasoning_effort', `${model} cannot turn thinking off; it thinks dynamically.`);
        return undefined;
      }
      warnings.add(
        'reasoning_effort',
        `${model} takes a thinking budget, not an effort; it thinks dynamically ('${effort}' not applied).`,
      );
      return undefined;
    case 'level': {
      // Own keys only: 'constructor' or 'toString' must not find Object.prototype's.
      if (Object.hasOwn(LEVELS, effort)) return { thinkingLevel: LEVELS[effort]! };
      if (effort === 'none') {
        warnings.add(
          'reasoning_effort',
          "Gemini cannot turn thinking off; the MINIMAL thinking level was used for 'none'.",
        );
        return { thinkingLevel: ThinkingLevel.MINIMAL };
      }
      if (effort === 'max') {
        warnings.add('reasoning_effort', "Gemini's highest thinking level is XHIGH; it was used for 'max'.");
        return { thinkingLevel: ThinkingLevel.XHIGH };
      }
      warnings.add('reasoning_effort', `Unknown reasoning_effort '${effort}'; the model's default thinking was used.`);
      return undefined;
    }
  }
}
