import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSseBatches } from '../../providers/openai/read-sse-batches.ts';
import type { RawSseBatch } from '../../providers/types.ts';
import { isUpstreamFailure } from '../../providers/upstream-failure.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function* pieces(parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? encoder.encode(part) : part;
}

async function read(parts: Array<string | Uint8Array>): Promise<RawSseBatch[]> {
  const out: RawSseBatch[] = [];
  for await (const batch of readSseBatches(pieces(parts), { secrets: ['sk-secret'], phase: 'stream' })) out.push(batch);
  return out;
}

const text = (batches: RawSseBatch[]) => batches.map((batch) => decoder.decode(batch.bytes)).join('');

const role =
  'data: {"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n';
const token = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hé"},"finish_reason":null}]}\n\n';
const finish = 'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
const usage = 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n';
const done = 'data: [DONE]\n\n';

describe('readSseBatches', () => {
  it('relays the exact bytes however the network cuts them, and marks token, finish, usage and [DONE]', async () => {
    const stream = `: keep-alive\n\n${role}${token}${finish}${usage}${done}`;
    const bytes = encoder.encode(stream);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const batches = await read([bytes.slice(0, cut), bytes.slice(cut)]);
      assert.equal(text(batches), stream, `cut at ${cut}`);
      assert.equal(batches.filter((batch) => batch.token).length, 1);
      assert.ok(batches.some((batch) => batch.finish));
      assert.deepEqual(batches.find((batch) => batch.usage)?.usage, {
        prompt_tokens: 3,
        completion_tokens: 2,
        total_tokens: 5,
      });
      assert.equal(batches.at(-1)?.done, true);
    }
  });

  it('the role-only opening event is not the commit point; the first content is', async () => {
    const batches = await read([role, token, finish, done]);
    assert.deepEqual(
      batches.map((batch) => batch.token),
      [false, true, false, false],
    );
  });

  it('CRLF line ends are relayed as they came', async () => {
    const stream = `${role}${token}${finish}${done}`.replaceAll('\n', '\r\n');
    assert.equal(text(await read([stream.slice(0, 50), stream.slice(50)])), stream);
  });

  it("nothing after the upstream's [DONE] is relayed", async () => {
    assert.equal(text(await read([`${token}${finish}${done}data: {"late":true}\n\n`])), `${token}${finish}${done}`);
  });

  it('an in-stream error event after the commit point is an UpstreamFailure, with the key redacted', async () => {
    const error = 'data: {"error":{"message":"boom with sk-secret","type":"server_error","code":null}}\n\n';
    const seen: RawSseBatch[] = [];
    await assert.rejects(
      async () => {
        for await (const batch of readSseBatches(pieces([role, token, error]), {
          secrets: ['sk-secret'],
          phase: 'stream',
        }))
          seen.push(batch);
      },
      (failure: unknown) =>
        isUpstreamFailure(failure) && failure.kind === 'server' && !failure.message.includes('sk-secret'),
    );
    assert.equal(text(seen), `${role}${token}`);
  });

  it('an event that is not JSON is a malformed response', async () => {
    await assert.rejects(
      read([role, 'data: {"choices":[{"delta":{"content":"tru\n\n']),
      (failure: unknown) => isUpstreamFailure(failure) && failure.code === 'malformed_response',
    );
  });

  it('a last event without its blank line is still relayed, completed', async () => {
    const batches = await read([token, finish.trimEnd()]);
    assert.equal(text(batches), `${token}${finish}`);
    assert.ok(batches.some((batch) => batch.finish));
  });
});
