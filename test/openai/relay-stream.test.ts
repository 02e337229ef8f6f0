import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapOpenAIError } from '../../providers/openai/map-error.ts';
import { type CancellableSource, relayStream } from '../../providers/openai/relay-stream.ts';
import type { ChatCompletionChunk } from '../../providers/types.ts';
import { isUpstreamFailure } from '../../providers/upstream-failure.ts';

function chunk(
  content: string | null,
  finish: ChatCompletionChunk.Choice['finish_reason'] = null,
): ChatCompletionChunk {
  return {
    id: 'chatcmpl-x',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: content === null ? {} : { content }, logprobs: null, finish_reason: finish }],
  };
}

/** A stand-in for the SDK's Stream: yields the given chunks, then optionally throws. */
function fakeSource(
  chunks: ChatCompletionChunk[],
  failure?: unknown,
): CancellableSource<ChatCompletionChunk> & { started: boolean } {
  const controller = new AbortController();
  const source = {
    controller,
    started: false,
    async *[Symbol.asyncIterator]() {
      source.started = true;
      for (const item of chunks) yield item;
      if (failure !== undefined) throw failure;
    },
  };
  return source;
}

const options = (signal = new AbortController().signal) => ({
  signal,
  mapError: (error: unknown) => mapOpenAIError(error, { phase: 'stream' }),
  finishes: (item: ChatCompletionChunk) => item.choices.some((choice) => choice.finish_reason != null),
});

async function drain(iterable: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('relayStream', () => {
  it('passes chunks on unchanged (same objects, same order)', async () => {
    const chunks = [chunk('a'), chunk('b'), chunk(null, 'stop')];
    const seen = await drain(relayStream(fakeSource(chunks), options()));
    assert.equal(seen.length, 3);
    for (const [i, item] of seen.entries()) assert.equal(item, chunks[i]);
  });

  it('a stream that ends cleanly without any finish_reason was truncated', async () => {
    const relay = relayStream(fakeSource([chunk('a'), chunk('b')]), options());
    const seen: ChatCompletionChunk[] = [];
    await assert.rejects(
      async () => {
        for await (const item of relay) seen.push(item);
      },
      (error: unknown) =>
        isUpstreamFailure(error) && error.kind === 'stream_interrupted' && error.code === 'missing_finish_reason',
    );
    assert.equal(seen.length, 2);
  });

  it('a usage chunk after the finish chunk is fine', async () => {
    const usage: ChatCompletionChunk = {
      ...chunk(null),
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
    const seen = await drain(relayStream(fakeSource([chunk('a', null), chunk(null, 'stop'), usage]), options()));
    assert.equal(seen.length, 3);
  });

  it('errors from the source become UpstreamFailures and abort the request', async () => {
    const source = fakeSource([chunk('a')], new TypeError('terminated'));
    await assert.rejects(
      drain(relayStream(source, options())),
      (error: unknown) => isUpstreamFailure(error) && error.kind === 'stream_interrupted',
    );
    assert.equal(source.controller.signal.aborted, true);
  });

  it('when the call’s signal aborted, its reason is thrown, even if the source just ended quietly', async () => {
    const call = new AbortController();
    const reason = new Error('client went away');
    const source = fakeSource([chunk('a'), chunk('b')]);
    const iterator = relayStream(source, options(call.signal))[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    call.abort(reason);
    assert.equal((await iterator.next()).done, false, 'already buffered chunk');
    await assert.rejects(iterator.next(), (error: unknown) => error === reason);
  });

  it('return() before iterating still cancels the upstream request', async () => {
    const source = fakeSource([chunk('a')]);
    const iterator = relayStream(source, options())[Symbol.asyncIterator]();
    const result = await iterator.return?.();
    assert.equal(result?.done, true);
    assert.equal(source.controller.signal.aborted, true);
    assert.equal(source.started, false);
    assert.equal((await iterator.next()).done, true, 'nothing after return()');
  });

  it('can be iterated only once', async () => {
    const relay = relayStream(fakeSource([chunk(null, 'stop')]), options());
    await drain(relay);
    assert.throws(() => relay[Symbol.asyncIterator]());
  });
});
