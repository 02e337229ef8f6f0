/**
 * Client input never reaches a response header unencoded or unbounded (issue 9, point 2). Before: a model
 * name with a character beyond Latin-1, a NUL or CR/LF made Node throw after the upstream had answered (a
 * plain-text 500, a request log saying 200, the keep-alive socket destroyed), and a 1 MiB model or field
 * name became a 1 MiB header. Over a real port, so Node's own header checks run.
 */

import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { MAX_HEADER_ITEM_LENGTH, MAX_HEADER_LIST_LENGTH } from '../../src/http/response-headers.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.reset();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  socket: Socket;
}

/** node:http with a keep-alive agent, so a destroyed socket shows as a new socket on the next request. */
function post(agent: Agent, body: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${h.baseURL}/chat/completions`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, socket: req.socket! }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const messages = [{ role: 'user', content: 'Hi' }];

test('a model name with non-Latin-1, NUL and CR/LF: 200, the header percent-encoded, the socket kept alive', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await post(agent, { model: 'gpt-4o-mini', messages });
    assert.equal(first.status, 200);
    for (const model of [
      'gpt-4o-\u4e2d\u6587',
      'gpt\u0000-4o',
      'gpt-4o\r\nx-injected: yes',
      'gpt-4o-%41',
      '\ud800lone',
    ]) {
      const answer = await post(agent, { model, messages });
      assert.equal(answer.status, 200, `served for ${JSON.stringify(model)}: ${answer.body.slice(0, 200)}`);
      assert.equal(answer.headers['x-injected'], undefined, 'no header injection');
      const header = String(answer.headers['x-switchyard-model']);
      assert.match(header, /^[\x20-\x7e]+$/, 'visible ASCII only');
      assert.equal(answer.socket, first.socket, 'the keep-alive socket survives');
      const logged = h.logs.filter((line) => line.event === 'request').at(-1);
      assert.equal(logged?.status, 200);
    }
    const cjk = await post(agent, { model: 'gpt-4o-\u4e2d', messages });
    assert.equal(
      cjk.headers['x-switchyard-model'],
      'gpt-4o-%E4%B8%AD',
      'UTF-8 percent-encoding, reversible with decodeURIComponent',
    );
    const percent = await post(agent, { model: 'gpt-4o-%41', messages });
    assert.equal(
      decodeURIComponent(String(percent.headers['x-switchyard-model'])),
      'gpt-4o-%41',
      '% itself is encoded',
    );
    const plain = await post(agent, { model: 'openai/gpt-4o mini', messages });
    assert.equal(plain.headers['x-switchyard-model'], 'openai/gpt-4o mini', 'ordinary names are untouched');
  } finally {
    agent.destroy();
  }
});

test('a 1 MiB model name: a bounded header, a bounded log line', async () => {
  const agent = new Agent({ keepAlive: true });
  try {
    const answer = await post(agent, { model: `gpt-${'x'.repeat(1024 * 1024)}`, messages });
    assert.equal(answer.status, 200);
    const header = String(answer.headers['x-switchyard-model']);
    assert.ok(header.length <= MAX_HEADER_ITEM_LENGTH, `header is ${header.length} characters`);
    assert.ok(header.endsWith('...'), 'truncation is marked');
    const logged = JSON.stringify(h.logs.filter((line) => line.event === 'request').at(-1));
    assert.ok(logged.length < 2000, `request log line is ${logged.length} characters`);
  } finally {
    agent.destroy();
  }
});

test('a 1 MiB unknown field name and 500 unknown fields: x-switchyard-warnings stays bounded', async () => {
  const agent = new Agent({ keepAlive: true });
  try {
    const huge = await post(agent, {
      model: 'claude-sonnet-4-5',
      messages,
      [`f${'y'.repeat(1024 * 1024)}`]: 1,
      'bad\u4e2dname': 2,
    });
    assert.equal(huge.status, 200);
    assert.equal(huge.headers['x-switchyard-provider'], 'anthropic');
    const warnings = String(huge.headers['x-switchyard-warnings']);
    assert.ok(warnings.length <= MAX_HEADER_LIST_LENGTH, `warnings header is ${warnings.length} characters`);
    assert.match(warnings, /^[\x20-\x7e]+$/);
    assert.match(warnings, /bad%E4%B8%ADname/);
    const logged = JSON.stringify(h.logs.filter((line) => line.event === 'request').at(-1));
    assert.ok(logged.length < 4000, `request log line is ${logged.length} characters`);

    const many = Object.fromEntries(Array.from({ length: 500 }, (_, index) => [`unknown_field_${index}`, index]));
    const crowded = await post(agent, { model: 'claude-sonnet-4-5', messages, ...many });
    assert.equal(crowded.status, 200);
    const list = String(crowded.headers['x-switchyard-warnings']);
    assert.ok(list.length <= MAX_HEADER_LIST_LENGTH, `warnings header is ${list.length} characters`);
    assert.match(list, /\(\d+ more\)$/, 'says how many were left out');
  } finally {
    agent.destroy();
  }
});
