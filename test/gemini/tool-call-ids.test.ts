import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinishReason } from '@google/genai';
import { convertRequest } from '../../providers/gemini/convert-request.ts';
import { convertResponse } from '../../providers/gemini/convert-response.ts';
import { mintToolCallId, randomBase62, toolCallIdFor } from '../../providers/gemini/tool-call-ids.ts';
import type { ChatRequest } from '../../providers/types.ts';

describe('tool-call ids', () => {
  it('mints call_ + 24 base62 characters, different every time', () => {
    const ids = new Set(Array.from({ length: 200 }, () => mintToolCallId()));
    assert.equal(ids.size, 200);
    for (const id of ids) assert.match(id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(randomBase62(50).length, 50);
  });

  it("uses Gemini's id when it sends one, and mints otherwise", () => {
    assert.equal(toolCallIdFor({ id: 'gemini-id-7', name: 'f' }), 'gemini-id-7');
    assert.equal(
      toolCallIdFor({ name: 'f' }, () => 'call_minted'),
      'call_minted',
    );
    assert.equal(
      toolCallIdFor({ id: '', name: 'f' }, () => 'call_minted'),
      'call_minted',
    );
  });

  it('stay stable across turns: ids handed out convert back to the right function names', () => {
    const answer = convertResponse(
      {
        candidates: [
          {
            index: 0,
            finishReason: FinishReason.STOP,
            content: {
              role: 'model',
              parts: [
                { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
                { functionCall: { id: 'g-2', name: 'get_time', args: {} } },
              ],
            },
          },
        ],
      },
      { model: 'gemini-2.5-flash', includeLogprobs: false },
    );
    const toolCalls = answer.choices[0]?.message.tool_calls ?? [];
    assert.equal(toolCalls[1]?.id, 'g-2');
    const [first, second] = toolCalls;
    assert.ok(first && second && first.type === 'function' && second.type === 'function');

    const followUp = {
      model: 'x',
      messages: [
        { role: 'user', content: 'Weather and time?' },
        { role: 'assistant', content: null, tool_calls: toolCalls },
        { role: 'tool', tool_call_id: second.id, content: 'noon' },
        { role: 'tool', tool_call_id: first.id, content: 'sunny' },
      ],
    } as ChatRequest;
    const { contents } = convertRequest(followUp, 'gemini-2.5-flash');
    assert.deepEqual(contents[2]?.parts, [
      { functionResponse: { name: 'get_time', response: { output: 'noon' } } },
      { functionResponse: { name: 'get_weather', response: { output: 'sunny' } } },
    ]);
    // Our ids stay on our side: Gemini matches by name.
    assert.ok(JSON.stringify(contents).indexOf(first.id) === -1);
  });
});
