/**
 * An OpenAI chat-completion event stream as parsed chunks: `data: {chunk}` messages until `data: [DONE]`.
 * Used when the gateway rebuilds a JSON answer from a stream (`streamInternally`). An in-stream
 * `{"error":{...}}` message and data that is not JSON become UpstreamFailures. Chunks are passed on exactly
 * as parsed, unknown fields included.
 */

import { parseSse } from '../shared/parse-sse.ts';
import type { ChatCompletionChunk } from '../types.ts';
import { type MapErrorContext, malformedResponse, mapStreamErrorEvent } from './openai-failure.ts';

export async function* parseChunks(
  body: AsyncIterable<Uint8Array>,
  context: MapErrorContext,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  for await (const message of parseSse(body)) {
    if (message.data === '[DONE]') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.data);
    } catch {
      throw malformedResponse();
    }
    if (typeof parsed !== 'object' || parsed === null) throw malformedResponse();
    if ('error' in parsed && (parsed as { error: unknown }).error) throw mapStreamErrorEvent(parsed, context);
    yield parsed as ChatCompletionChunk;
  }
}
