/**
 * Claude's thinking blocks, remembered by tool-use id for the next turn.
 *
 * When Claude thinks and calls tools, Anthropic requires the assistant turn that made the calls to come back
 * with its thinking blocks, signatures included and unmodified, in front of the tool_use blocks
 * (https://platform.claude.com/docs/en/build-with-claude/extended-thinking#preserving-thinking-blocks). An
 * OpenAI history has no place for them, so the provider keeps them here for an hour, keyed by every tool-use
 * id of the turn, and convert-messages.ts puts them back when the client replays that turn. Only for the model
 * that wrote them: a signature is checked against the model that produced it.
 *
 * Memory only, per gateway process (see providers/shared/expiring-map.ts). When the memory no longer holds
 * a turn, the request goes out without the blocks; if Anthropic then refuses it for that reason, map-error.ts
 * says exactly why (code `thinking_blocks_missing`).
 */
import type { RedactedThinkingBlockParam, ThinkingBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';
import { createExpiringMap, type ExpiringMap } from '../shared/expiring-map.ts';

export type ThinkingBlock = ThinkingBlockParam | RedactedThinkingBlockParam;

export interface RememberedThinking {
  model: string;
  blocks: ThinkingBlock[];
}

export type ThinkingMemory = ExpiringMap<RememberedThinking>;

export const THINKING_MEMORY_TTL_MS = 60 * 60 * 1000;

export function createThinkingMemory(now?: () => number): ThinkingMemory {
  return createExpiringMap<RememberedThinking>({
    ttlMs: THINKING_MEMORY_TTL_MS,
    maxEntries: 10_000,
    ...(now ? { now } : {}),
  });
}

/** Keeps a turn's thinking blocks under each of its tool-use ids; a turn without both keeps nothing. */
export function rememberThinking(
  memory: ThinkingMemory | undefined,
  model: string,
  toolUseIds: readonly string[],
  blocks: readonly ThinkingBlock[],
): void {
  if (!memory || toolUseIds.length === 0 || blocks.length === 0) return;
  const entry: RememberedThinking = { model, blocks: [...blocks] };
  for (const id of toolUseIds) memory.set(id, entry);
}
