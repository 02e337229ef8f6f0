/**
 * Every string field of an upstream error is redacted before it reaches the client or a log line (issue 9,
 * point 5). Before: an OpenAI 400 whose `param` or `code` quoted the key was passed through whole, and so
 * were Anthropic's error `type` and Gemini's ErrorInfo `reason` (which become the failure's code).
 */

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import OpenAI from 'openai';
import { openaiError } from '../../mocks/openai-mock.ts';
import { assertNoSecrets, type Harness, SECRET_KEYS, startHarness } from '../helpers/harness.ts';

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

async function ask(model: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${h.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

function assertClean(answer: { text: string; headers: Headers }, where: string): void {
  assertNoSecrets(answer.text, `${where}: response body`);
  assertNoSecrets(JSON.stringify([...answer.headers]), `${where}: response headers`);
  assertNoSecrets(JSON.stringify(h.logs), `${where}: log lines`);
}

test('OpenAI: a 400 whose message, param, code and type quote the key', async () => {
  const key = SECRET_KEYS.openai;
  h.openai.failAlways({
    kind: 'status',
    status: 400,
    body: openaiError(
      400,
      `Invalid value near ${key}`,
      `invalid_request_error ${key}`,
      `bad_${key}`,
      `messages[0].${key}`,
    ),
  });
  const answer = await ask('gpt-4o-mini');
  assert.equal(answer.status, 400);
  const body = JSON.parse(answer.text) as { error: { param: string; code: string } };
  assert.match(body.error.param, /^messages\[0\]\.\[redacted\]$/, 'the rest of the field is kept');
  assert.match(body.error.code, /\[redacted\]/);
  assertClean(answer, 'openai 400');

  // The same through the official SDK, which is what users see.
  const client = new OpenAI({ baseURL: h.baseURL, apiKey: 'unused', maxRetries: 0 });
  const error = await client.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
    .catch((e: unknown) => e);
  assert.ok(error instanceof OpenAI.BadRequestError);
  assertNoSecrets(
    JSON.stringify({ message: error.message, param: error.param, code: error.code, type: error.type }),
    'SDK error',
  );
});

test('Anthropic: an error type that quotes the key', async () => {
  h.anthropic.failAlways({
    kind: 'status',
    status: 400,
    body: {
      type: 'error',
      error: { type: `invalid_request_error_${SECRET_KEYS.anthropic}`, message: `bad key ${SECRET_KEYS.anthropic}` },
    },
  });
  const answer = await ask('claude-sonnet-4-5');
  assert.ok(answer.status >= 400, answer.text);
  assertClean(answer, 'anthropic 400');
  assert.ok(h.anthropic.chatCalls >= 1, 'the request reached Anthropic');
});

test('Gemini: an ErrorInfo reason that quotes the key (it becomes the code)', async () => {
  h.gemini.failAlways({
    kind: 'status',
    status: 400,
    body: {
      error: {
        code: 400,
        message: `Request contains an invalid argument: ${SECRET_KEYS.gemini}`,
        status: 'not-a-status',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: `REASON_${SECRET_KEYS.gemini}`,
            domain: 'googleapis.com',
          },
        ],
      },
    },
  });
  const answer = await ask('gemini-2.5-flash');
  assert.ok(answer.status >= 400, answer.text);
  const body = JSON.parse(answer.text) as { error: { code: string | null } };
  assert.match(String(body.error.code), /REASON_\[redacted\]/, 'the reason reaches the client, redacted');
  assertClean(answer, 'gemini 400');
});
