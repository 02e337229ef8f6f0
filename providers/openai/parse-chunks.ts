/**
 * An OpenAI chat-completion event stream (a raw fetch body) as chunks: `data: {chunk}` messages until
 * `data: [DONE]`. An in-stream `{"error":{...}}` message and data that is not JSON become UpstreamFailures.
 * Chunks are passed on exactly as parsed, unknown fields included.
 */
import type { ChatCompletionChunk } from '../types.ts';
import { parseSse } from '../shared/parse-sse.ts';
import { malformedResponse, mapErrorBody } from './map-error.ts';
import type { ChunkSource } from './relay-stream.ts';

export function chunkSource(body: ReadableStream<Uint8Array>, secrets: readonly string[]): ChunkSource {
  const controller = new AbortController();
  // Stopped before anyone read from it: cancel the body here (once reading started, parseSse does).
  controller.signal.addEventListener('abort', () => {
    if (!body.locked) void body.cancel().catch(() => undefined);
  }, { once: true });
  return {
    controller,
    async *[Symbol.asyncIterator]() {
      for await (const message of parseSse(body, controller.signal)) {
        if (message.data === '[DONE]') return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(message.data);
        } catch {
          throw malformedResponse();
        }
        if (typeof parsed !== 'object' || parsed === null) throw malformedResponse();
        if ('error' in parsed && (parsed as { error: unknown }).error) throw mapErrorBody(parsed, { secrets });
        yield parsed as ChatCompletionChunk;
      }
    },
  };
}
