import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertRequest } from '../../providers/anthropic/convert-request.ts';
import {
  createThinkingMemory,
  rememberThinking,
  THINKING_MEMORY_TTL_MS,
} from '../../providers/anthropic/thinking-memory.ts';
import type { ChatRequest } from '../../providers/types.ts';

const request: ChatRequest = {
  model: 'claude',
  messages: [
    { role: 'user', content: 'Check.' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'toolu_01A', type: 'function', function: { name: 'check', arguments: '{}' } }],
    },
    { role: 'tool', tool_call_id: 'toolu_01A', content: 'fine' },
  ],
};
const block = { type: 'thinking' as const, thinking: 'I should check.', signature: 'sig' };

describe('thinking memory in the next request', () => {
  it('puts the remembered blocks before the tool_use, for the model that wrote them only', () => {
    let now = 0;
    const memory = createThinkingMemory(() => now);
    rememberThinking(memory, 'claude-a', ['toolu_01A'], [block]);
    const same = convertRequest(request, 'claude-a', { stream: false, thinkingMemory: memory });
    assert.deepEqual(same.params.messages[1]?.content, [
      block,
      { type: 'tool_use', id: 'toolu_01A', name: 'check', input: {} },
    ]);
    const other = convertRequest(request, 'claude-b', { stream: false, thinkingMemory: memory });
    assert.deepEqual(other.params.messages[1]?.content, [
      { type: 'tool_use', id: 'toolu_01A', name: 'check', input: {} },
    ]);
    now += THINKING_MEMORY_TTL_MS;
    const expired = convertRequest(request, 'claude-a', { stream: false, thinkingMemory: memory });
    assert.equal(expired.params.messages[1]?.content.length, 1, 'forgotten after the TTL');
  });
});
