/**
 * Tool-call ids between OpenAI clients and Gemini.
 *
 * OpenAI clients need an id on every tool call to answer it (`tool_call_id`). Gemini's `FunctionCall.id` is
 * optional (node_modules/@google/genai/dist/genai.d.ts, `interface FunctionCall { id?: string; name?: string;
 * args?: Record<string, unknown> }`) and the Gemini Developer API usually leaves it out, matching answers by
 * function name instead. So: use Gemini's id when it sends one, mint `call_<random>` otherwise.
 *
 * Stability across turns needs no state: the client sends the ids back in the assistant message's `tool_calls`
 * (with the function name beside each) and in each tool message, and convert-messages.ts recovers the name of
 * every answered call from that history. The ids themselves are never sent to Gemini (see convert-messages.ts).
 */
import type { FunctionCall } from '@google/genai';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `call_` and 24 random base62 characters, like OpenAI's own ids. */
export function mintToolCallId(): string {
  return `call_${randomBase62(24)}`;
}

export function toolCallIdFor(call: FunctionCall, mint: () => string = mintToolCallId): string {
  return typeof call.id === 'string' && call.id !== '' ? call.id : mint();
}

export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = new Uint8Array(length);
    globalThis.crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      // 248 = 4 * 62: skipping larger bytes keeps every character equally likely.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}
