import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { ChatCompletionChunk } from '../../providers/types.ts';
import { isUpstreamFailure, type UpstreamFailure } from '../../providers/upstream-failure.ts';

/** Every chunk of a provider's stream, in order. */
export async function collectChunks(chunks: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

/** The UpstreamFailure `promise` rejects with; fails the test if it resolves, rejects otherwise, or leaks `secret`. */
export async function expectFailure(promise: Promise<unknown>, secret?: string): Promise<UpstreamFailure> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Error('expected a failure');
  assert.ok(isUpstreamFailure(error), `expected an UpstreamFailure, got ${inspect(error)}`);
  if (secret) assert.ok(!error.message.includes(secret), 'the key must never appear in a failure message');
  return error;
}
