/**
 * The real Node entry (`node src/node.ts`, what `npm start` runs) as a child process: inbound auth, the admin
 * API, /health without secrets, config errors that name the field, and a graceful stop on SIGTERM.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { freePort } from '../../bench/lib/ports.ts';
import { startAnthropicMock } from '../../mocks/anthropic-mock.ts';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { openaiFaults, startOpenAIMock } from '../../mocks/openai-mock.ts';
import { assertNoSecrets, eventually, SECRET_KEYS } from '../helpers/harness.ts';

const CLIENT_KEY = 'client-key-0123456789';
const ADMIN_KEY = 'admin-key-0123456789abcdef';

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startGateway(env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['src/node.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(() => output.includes('"event":"listening"') || child.exitCode !== null, 10_000, 'gateway start');
  return { child, url, output: () => output };
}

let openai: MockUpstream;
let anthropic: MockUpstream;
let gateway: Running;

before(async () => {
  [openai, anthropic] = await Promise.all([startOpenAIMock(), startAnthropicMock()]);
  gateway = await startGateway({
    OPENAI_API_KEY: SECRET_KEYS.openai,
    OPENAI_BASE_URL: `${openai.url}/v1`,
    ANTHROPIC_API_KEY: SECRET_KEYS.anthropic,
    ANTHROPIC_BASE_URL: anthropic.url,
    GATEWAY_API_KEYS: `other-client-key-00000,${CLIENT_KEY}`,
    HOST: '127.0.0.1',
    SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
  });
});
after(async () => {
  gateway.child.kill('SIGKILL');
  await Promise.all([openai.close(), anthropic.close()]);
});

describe('inbound auth', () => {
  test('no key or a wrong key: an OpenAI-format 401; a listed key: served', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-key-000000000' }] as Array<Record<string, string>>) {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
      });
      assert.equal(response.status, 401);
      const body = (await response.json()) as { error: { type: string; code: string; message: string; param: null } };
      assert.equal(body.error.code, 'invalid_api_key');
      assert.equal(body.error.type, 'invalid_request_error');
    }
    const models = await fetch(`${gateway.url}/v1/models`);
    assert.equal(models.status, 401, 'every /v1 route is protected');
    assert.equal(openai.chatCalls, 0, 'nothing reached a provider');

    const client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.equal(answer.choices[0]?.message.content, 'Hello from OpenAI.');
  });
});

describe('operators', () => {
  test('/health shows each provider and key state without secrets', async () => {
    const response = await fetch(`${gateway.url}/health`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assertNoSecrets(text, '/health');
    const body = JSON.parse(text) as {
      status: string;
      providers: Array<{ name: string; configured: boolean; state?: string }>;
    };
    assert.equal(body.status, 'ok');
    assert.deepEqual(
      body.providers.map((p) => [p.name, p.configured, p.state ?? null]),
      [
        ['openai', true, 'healthy'],
        ['anthropic', true, 'healthy'],
        ['gemini', false, null],
      ],
    );
  });

  test('admin API: needs its own key; drain moves traffic away, restore brings it back', async () => {
    const denied = await fetch(`${gateway.url}/admin/health`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    assert.equal(denied.status, 401);
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    const report = await fetch(`${gateway.url}/admin/health`, { headers: admin });
    assert.equal(report.status, 200);
    const reportText = await report.text();
    assertNoSecrets(reportText, '/admin/health');
    assert.match(reportText, /"provider":"openai"/);

    const drained = await fetch(`${gateway.url}/admin/providers/openai/drain`, { method: 'POST', headers: admin });
    assert.equal(((await drained.json()) as { state: string }).state, 'drained');
    const client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    assert.equal(response.headers.get('x-switchyard-provider'), 'anthropic');
    await fetch(`${gateway.url}/admin/providers/openai/restore`, { method: 'POST', headers: admin });
    const back = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    assert.equal(back.response.headers.get('x-switchyard-provider'), 'openai');
    const unknown = await fetch(`${gateway.url}/admin/providers/mistral/drain`, { method: 'POST', headers: admin });
    assert.equal(unknown.status, 404);
  });

  test('an upstream 401 never reaches a log line with the key, whole or masked', async () => {
    openai.failNext(openaiFaults.invalidApiKey(`sk-proj-****${SECRET_KEYS.openai.slice(-4)}`));
    const client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    await eventually(() => gateway.output().includes('key_rejected'), 2000, 'alert logged');
    assertNoSecrets(gateway.output(), 'gateway output');
    assert.ok(!gateway.output().includes(`****${SECRET_KEYS.openai.slice(-4)}`));
  });
});

describe('lifecycle', () => {
  test('SIGTERM lets an in-flight stream finish, then exits 0', async () => {
    const running = await startGateway({ OPENAI_API_KEY: SECRET_KEYS.openai, OPENAI_BASE_URL: `${openai.url}/v1` });
    openai.timing = { firstByteDelayMs: 0, chunkDelayMs: 100 };
    try {
      const response = await fetch(`${running.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
      });
      const exited = new Promise<number | null>((resolve) => running.child.on('exit', (code) => resolve(code)));
      running.child.kill('SIGTERM');
      const text = await response.text();
      assert.ok(text.includes('Hello') && text.trimEnd().endsWith('data: [DONE]'), 'the stream completed');
      assert.equal(await exited, 0);
    } finally {
      openai.timing = { firstByteDelayMs: 0, chunkDelayMs: 0 };
      running.child.kill('SIGKILL');
    }
  });

  test('a bad config file stops the start with a message naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-'));
    const path = join(dir, 'switchyard.yaml');
    writeFileSync(path, 'routes:\n  gpt-4o: [openai:gpt-4o, anthropic-claude]\n');
    const running = await startGateway({ SWITCHYARD_CONFIG: path });
    await eventually(() => running.child.exitCode !== null, 5000, 'exit');
    assert.equal(running.child.exitCode, 1);
    assert.match(running.output(), /routes\.gpt-4o\[1\]: must be "provider:model"/);
  });

  test('without GATEWAY_API_KEYS a public HOST is refused: loopback only, with a warning', async () => {
    const running = await startGateway({ HOST: '0.0.0.0' });
    try {
      assert.match(running.output(), /"event":"host_overridden"/);
      assert.match(running.output(), /"url":"http:\/\/127\.0\.0\.1:/);
    } finally {
      running.child.kill('SIGKILL');
    }
  });
});
