import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createResponseCapture } from '../../providers/gemini/capture-response.ts';

describe('createResponseCapture', () => {
  let server: Server;
  let url = '';

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/fail') {
        res.writeHead(429, { 'retry-after': '9', 'content-type': 'application/json' });
        res.end('{}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('returns responses untouched and remembers the headers of an error response only', async () => {
    const capture = createResponseCapture();
    const retryAfter = () => capture.errorHeaders?.get('retry-after');
    const ok = await capture.fetch(`${url}/ok`);
    assert.deepEqual(await ok.json(), { ok: true });
    assert.equal(retryAfter(), undefined);

    const failed = await capture.fetch(`${url}/fail`);
    assert.equal(failed.status, 429);
    await failed.text();
    assert.equal(retryAfter(), '9');
  });

  it('keeps each call private', async () => {
    const first = createResponseCapture();
    const second = createResponseCapture();
    await (await first.fetch(`${url}/fail`)).text();
    assert.equal(second.errorHeaders, undefined);
  });
});
