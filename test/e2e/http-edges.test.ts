/**
 * The HTTP edge as a client sees it through `npm start` (issue 9, points 3 and 7): Node's own 400/408/431
 * answers carry OpenAI's error body, a non-JSON Content-Type is a 415, a body trickling in is cut off by the
 * request timeout instead of being held for ~320 s, and x-switchyard-deadline-ms cannot overflow a timer.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { freePort } from '../../bench/lib/ports.ts';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { startOpenAIMock } from '../../mocks/openai-mock.ts';
import { eventually, SECRET_KEYS } from '../helpers/harness.ts';

const HEADERS_TIMEOUT_MS = 800;
const REQUEST_TIMEOUT_MS = 1500;

let openai: MockUpstream;
let child: ChildProcess;
let port: number;
let output = '';

before(async () => {
  openai = await startOpenAIMock();
  port = await freePort();
  child = spawn(process.execPath, ['src/node.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      OPENAI_API_KEY: SECRET_KEYS.openai,
      OPENAI_BASE_URL: `${openai.url}/v1`,
      SWITCHYARD_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      SWITCHYARD_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually(() => output.includes('"event":"listening"') || child.exitCode !== null, 10_000, 'gateway start');
  assert.equal(child.exitCode, null, output);
});
after(async () => {
  child.kill('SIGKILL');
  await openai.close();
});

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
  ms: number;
}

/** Writes `head` on a raw socket (and then one byte every `trickleMs`, if set) and reads until the server closes. */
function raw(head: string, trickleMs?: number): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      const [top = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = top.split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0);
      if (!status) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const headers = new Map(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status, headers, body: rest.join('\r\n\r\n'), ms: Date.now() - started });
    });
    socket.write(head);
    if (trickleMs) timer = setInterval(() => socket.writable && socket.write('a'), trickleMs);
  });
}

function assertOpenAIError(answer: RawAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.body);
  assert.equal(answer.headers.get('content-type'), 'application/json');
  const body = JSON.parse(answer.body) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.code, code);
  assert.equal(body.error.type, 'invalid_request_error');
  assert.equal(typeof body.error.message, 'string');
}

test("Node's own 400 (not HTTP) and 431 (headers over 16 KiB) have OpenAI's body", async () => {
  assertOpenAIError(await raw('NOT HTTP AT ALL\r\n\r\n'), 400, 'malformed_request');
  assertOpenAIError(
    await raw('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n'),
    400,
    'malformed_request',
  );
  const big = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  assertOpenAIError(big, 431, 'request_headers_too_large');
  assert.equal(big.headers.get('x-should-retry'), 'false');
});

test('a body trickling at 5 bytes/s is answered 408 once the request timeout passes', async () => {
  const head =
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{';
  const answer = await raw(head, 200);
  assertOpenAIError(answer, 408, 'request_timeout');
  assert.ok(answer.ms >= REQUEST_TIMEOUT_MS - 100, `not before the timeout (${answer.ms} ms)`);
  assert.ok(answer.ms < REQUEST_TIMEOUT_MS + 5000, `bounded (${answer.ms} ms), not ~320 s`);
  assert.equal(openai.chatCalls, 0, 'nothing went upstream');
});

test('headers that never finish are answered 408 after the headers timeout', async () => {
  const answer = await raw('GET /health HTTP/1.1\r\nHost: x\r\n');
  assertOpenAIError(answer, 408, 'request_timeout');
  assert.ok(answer.ms < HEADERS_TIMEOUT_MS + 5000, `bounded (${answer.ms} ms)`);
});

test('a non-JSON Content-Type is a 415; JSON with a charset, +json and no Content-Type are served', async () => {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  for (const type of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonx',
  ]) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
    assert.equal(response.status, 415, type);
    const error = ((await response.json()) as { error: { code: string; type: string } }).error;
    assert.deepEqual([error.code, error.type], ['unsupported_media_type', 'invalid_request_error'], type);
  }
  assert.equal(openai.chatCalls, 0, 'no 415 request went upstream');
  for (const type of [
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/vnd.api+json',
  ]) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
    assert.equal(response.status, 200, type);
  }
  const untyped = await raw(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  assert.equal(untyped.status, 200, 'no Content-Type: read as JSON');
});

test('x-switchyard-deadline-ms beyond 2^31-1 is a 400 naming the header, not a 504 after every attempt times out', async () => {
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
  const before = openai.chatCalls;
  for (const value of ['3000000000', '1e21', '0', '-1', '12.5', 'soon']) {
    const error = await client.chat.completions
      .create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
        { headers: { 'x-switchyard-deadline-ms': value } },
      )
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.BadRequestError, `${value}: ${String(error)}`);
    assert.equal(error.param, 'x-switchyard-deadline-ms');
  }
  assert.equal(openai.chatCalls, before, 'nothing went upstream');
  const { response } = await client.chat.completions
    .create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'x-switchyard-deadline-ms': '2147483647' } },
    )
    .withResponse();
  assert.equal(response.status, 200, 'the bound itself is served');
});
