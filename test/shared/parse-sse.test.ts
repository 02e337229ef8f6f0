import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSse, type SseMessage } from '../../providers/shared/parse-sse.ts';

function bodyOf(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function collect(pieces: string[]): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const message of parseSse(bodyOf(pieces))) out.push(message);
  return out;
}

test('data lines, event names, comments and multi-line data', async () => {
  assert.deepEqual(
    await collect([
      ': ping\n\nevent: message_start\ndata: {"a":1}\n\ndata: line one\ndata: line two\n\ndata: [DONE]\n\n',
    ]),
    [{ event: 'message_start', data: '{"a":1}' }, { data: 'line one\nline two' }, { data: '[DONE]' }],
  );
});

test('messages split anywhere across network reads, with CRLF line ends split between reads', async () => {
  const text = 'data: {"x":"é"}\r\n\r\ndata: {"y":2}\r\n\r\n';
  const bytes = new TextEncoder().encode(text);
  for (let cut = 1; cut < bytes.length; cut++) {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });
    const out: SseMessage[] = [];
    for await (const message of parseSse(body)) out.push(message);
    assert.deepEqual(out, [{ data: '{"x":"é"}' }, { data: '{"y":2}' }], `cut at byte ${cut}`);
  }
});

test('a last message without its blank line is still delivered; lone CR line ends work', async () => {
  assert.deepEqual(await collect(['data: a\r\rdata: b']), [{ data: 'a' }, { data: 'b' }]);
});

test('stopping early releases the body: a ReadableStream is cancelled', async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('data: 1\n\n'));
    },
    cancel() {
      cancelled = true;
    },
  });
  const iterator = parseSse(body);
  assert.deepEqual((await iterator.next()).value, { data: '1' });
  await iterator.return(undefined);
  assert.equal(cancelled, true);
});
