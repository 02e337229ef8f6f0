/**
 * Reads what the chat handler wrote (a JSON body, or SSE text as it passes by) back into one `chat.completion`,
 * and says whether it is a complete, successful answer worth storing: never an error, an interrupted stream
 * (no `[DONE]`, or an error event) or a choice without a finish reason.
 */
import type { ChatCompletion, ChatCompletionChunk } from '../../providers/types.ts';
import { collectCompletion } from '../routing/collect-completion.ts';

export function completeCompletion(value: unknown): ChatCompletion | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const completion = value as ChatCompletion;
  if (completion.object !== 'chat.completion' || !Array.isArray(completion.choices) || completion.choices.length === 0)
    return undefined;
  for (const choice of completion.choices) {
    if (typeof choice.finish_reason !== 'string' || !choice.message) return undefined;
    // Replay as a stream knows function tool calls only; other kinds are served but not stored.
    if (choice.message.tool_calls?.some((call) => call.type !== 'function')) return undefined;
  }
  return completion;
}

/** Collects the chunks of an SSE stream as its bytes pass by; gives up (stores nothing) past `maxBytes`. */
export class SseRecorder {
  private readonly decoder = new TextDecoder();
  private readonly chunks: ChatCompletionChunk[] = [];
  private readonly finished = new Set<number>();
  private readonly seen = new Set<number>();
  private buffer = '';
  private bytes = 0;
  private done = false;
  private broken = false;

  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  push(bytes: Uint8Array): void {
    if (this.broken) return;
    this.bytes += bytes.byteLength;
    if (this.bytes > this.maxBytes) {
      this.broken = true;
      this.chunks.length = 0;
      return;
    }
    this.buffer += this.decoder.decode(bytes, { stream: true });
    if (this.buffer.includes('\r')) this.buffer = this.buffer.replace(/\r\n?/g, '\n');
    for (let end = this.buffer.indexOf('\n\n'); end !== -1; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.readBlock(block);
      if (this.broken) return;
    }
  }

  /** The answer, if the stream ended cleanly and completely. */
  finish(): ChatCompletion | undefined {
    if (this.broken || !this.done || this.chunks.length === 0) return undefined;
    for (const index of this.seen) if (!this.finished.has(index)) return undefined;
    return completeCompletion(collectCompletion(this.chunks));
  }

  private readBlock(block: string): void {
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line.startsWith('data: ') ? 6 : 5);
    }
    if (!data) return;
    if (this.done) {
      this.broken = true;
      return;
    }
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    let chunk: ChatCompletionChunk & { error?: unknown };
    try {
      chunk = JSON.parse(data) as ChatCompletionChunk & { error?: unknown };
    } catch {
      this.broken = true;
      return;
    }
    if (chunk.error !== undefined || !Array.isArray(chunk.choices)) {
      this.broken = true;
      return;
    }
    for (const choice of chunk.choices) {
      this.seen.add(choice.index);
      if (choice.finish_reason) this.finished.add(choice.index);
    }
    this.chunks.push(chunk);
  }
}
