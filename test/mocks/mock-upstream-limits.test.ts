/** The mocks' rate-limit extensions: headers a test sets on successes, and the peak of concurrent requests. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { openaiFaults, startOpenAIMock } from '../../mocks/openai-mock.ts';

describe('mock upstream: rate-limit state and concurrency', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startOpenAIMock();
  });
  after(() => mock.close());

  const post = (stream = false) =>
    fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream }),
    });

  it('sends the headers a test sets on successes only, over its own, per call when a function', async () => {
    mock.successHeaders = (call) => ({ 'x-ratelimit-remaining-requests': String(10 - call) });
    const first = await post();
    await first.text();
    assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '9');
    assert.equal(first.headers.get('x-ratelimit-limit-requests'), '10000', 'the others stay');
    const streamed = await post(true);
    await streamed.text();
    assert.equal(streamed.headers.get('x-ratelimit-remaining-requests'), '8');
    mock.failNext(openaiFaults.serverError());
    const failed = await post();
    await failed.text();
    assert.equal(failed.status, 500);
    assert.notEqual(failed.headers.get('x-ratelimit-remaining-requests'), '7');
    mock.reset();
    const plain = await post();
    await plain.text();
    assert.equal(plain.headers.get('x-ratelimit-remaining-requests'), '9999');
  });

  it('counts the most requests it answered at once', async () => {
    mock.reset();
    mock.timing = { firstByteDelayMs: 100, chunkDelayMs: 0 };
    await Promise.all([post(), post(), post()].map(async (r) => (await r).text()));
    assert.equal(mock.peakInFlight, 3);
    await (await post()).text();
    assert.equal(mock.peakInFlight, 3, 'a peak, not the current count');
    mock.reset();
    assert.equal(mock.peakInFlight, 0);
  });
});
