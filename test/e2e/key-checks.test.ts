/**
 * Key checks at start-up, through the real Node entry (`node src/node.ts` as a child process) against the
 * loopback mocks: a key the provider rejects is `bad` in /health before any chat request and is never used
 * for chat; a key whose check cannot finish stays `unverified` and the start is not held up; `--check`
 * prints the table and fails the deploy on a bad key.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, afterEach, describe, test } from 'node:test';
import { freePort } from '../../bench/lib/ports.ts';
import { startAnthropicMock } from '../../mocks/anthropic-mock.ts';
import { startGeminiMock } from '../../mocks/gemini-mock.ts';
import { startOpenAIMock } from '../../mocks/openai-mock.ts';
import { assertNoSecrets, eventually, SECRET_KEYS } from '../helpers/harness.ts';

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

interface KeyView {
  id: string;
  state: string;
  check?: string;
}

const [openai, anthropic, gemini] = await Promise.all([startOpenAIMock(), startAnthropicMock(), startGeminiMock()]);

function providerEnv(): Record<string, string> {
  return {
    OPENAI_API_KEY: SECRET_KEYS.openai,
    OPENAI_BASE_URL: `${openai.url}/v1`,
    ANTHROPIC_API_KEY: SECRET_KEYS.anthropic,
    ANTHROPIC_BASE_URL: anthropic.url,
    GEMINI_API_KEY: SECRET_KEYS.gemini,
    GEMINI_BASE_URL: gemini.url,
  };
}

const running: ChildProcess[] = [];

async function startGateway(env: Record<string, string>, waitFor = '"event":"listening"'): Promise<Running> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['src/node.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', ...providerEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually(() => output.includes(waitFor) || child.exitCode !== null, 10_000, 'gateway start');
  return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

async function keys(url: string): Promise<Map<string, KeyView>> {
  const health = (await (await fetch(`${url}/health`)).json()) as { providers: Array<{ keys?: KeyView[] }> };
  return new Map(health.providers.flatMap((provider) => provider.keys ?? []).map((key) => [key.id, key]));
}

async function chat(url: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
  });
}

afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
  for (const mock of [openai, anthropic, gemini]) mock.reset();
});
after(() => Promise.all([openai, anthropic, gemini].map((mock) => mock.close())));

describe('key checks at start-up (Node)', () => {
  test('an OpenAI key the provider rejects: bad in /health before any chat, and the first chat is served by Anthropic', async () => {
    openai.rejectKeys(SECRET_KEYS.openai);
    const gateway = await startGateway({});
    let view = new Map<string, KeyView>();
    await eventually(
      () => view.get('openai#1')?.check === 'bad',
      5000,
      'openai#1 bad',
      async () => {
        view = await keys(gateway.url);
      },
    );
    assert.equal(openai.chatCalls, 0, 'nothing but the check reached OpenAI');
    assert.deepEqual(view.get('openai#1'), { id: 'openai#1', state: 'bad', check: 'bad' });
    assert.equal(view.get('anthropic#1')?.check, 'ok');
    assert.equal(view.get('gemini#1')?.check, 'ok');
    // Each provider was asked once, with the key where its SDK puts it.
    assert.deepEqual(
      [openai, anthropic, gemini].map((mock) => mock.listings.map((listing) => listing.credential)),
      [[SECRET_KEYS.openai], [SECRET_KEYS.anthropic], [SECRET_KEYS.gemini]],
    );
    assert.equal(anthropic.listings[0]?.headers['anthropic-version'], '2026-10-21');

    const response = await chat(gateway.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-switchyard-provider'), 'anthropic');
    assert.equal(openai.chatCalls, 0, 'OpenAI saw no chat request');
    assert.equal(anthropic.chatCalls, 1);

    const rejected = gateway
      .output()
      .split('\n')
      .filter((line) => line.includes('"event":"key_rejected"'));
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!, /"alert":true/);
    assert.match(rejected[0]!, /"key":"openai#1"/);
    assert.match(rejected[0]!, /http_401 invalid_api_key/);
    assertNoSecrets(gateway.output(), 'the gateway log');
    assertNoSecrets(JSON.stringify([...view.values()]), '/health');
  });

  test('a chat arriving while the check still runs waits for it instead of meeting the bad key', async () => {
    openai.rejectKeys(SECRET_KEYS.openai);
    openai.timing = { firstByteDelayMs: 400, chunkDelayMs: 0 };
    const gateway = await startGateway({});
    const response = await chat(gateway.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-switchyard-provider'), 'anthropic');
    assert.equal(openai.chatCalls, 0);
  });

  test('a check that cannot finish leaves the key unverified and usable, and does not hold up the start', async () => {
    gemini.failListing({ kind: 'hang' });
    const started = Date.now();
    const gateway = await startGateway({ SWITCHYARD_KEY_CHECK_TIMEOUT_MS: '1000' });
    let view = new Map<string, KeyView>();
    await eventually(
      () => view.get('gemini#1')?.check === 'unverified',
      5000,
      'gemini#1 unverified',
      async () => {
        view = await keys(gateway.url);
      },
    );
    assert.deepEqual(view.get('gemini#1'), { id: 'gemini#1', state: 'ok', check: 'unverified' });
    assert.ok(Date.now() - started < 8000);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-switchyard-provider'), 'gemini', 'an unverified key serves as before');
    assert.match(gateway.output(), /"event":"key_checked".*"key":"gemini#1".*"reason":"timeout"/);
  });

  test('SWITCHYARD_KEY_CHECKS=off checks nothing', async () => {
    const gateway = await startGateway({ SWITCHYARD_KEY_CHECKS: 'off' });
    const view = await keys(gateway.url);
    assert.equal(view.get('openai#1')?.check, undefined);
    assert.equal(openai.listings.length + anthropic.listings.length + gemini.listings.length, 0);
  });
});

describe('npm run check (--check)', () => {
  async function runCheck(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, ['src/node.ts', '--check'], {
      env: { PATH: process.env.PATH ?? '', ...providerEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, output };
  }

  test('prints one line per key and exits 1 when a key is bad', async () => {
    gemini.rejectKeys(SECRET_KEYS.gemini);
    const { code, output } = await runCheck({});
    assert.equal(code, 1, output);
    assert.match(output, /^key\s+result\s+reason\s+ms$/m);
    assert.match(output, /^openai#1\s+ok\s+http_200/m);
    assert.match(output, /^anthropic#1\s+ok\s+http_200/m);
    assert.match(output, /^gemini#1\s+bad\s+http_400 API_KEY_INVALID/m);
    assert.match(output, /3 keys checked: 1 bad, 0 unverified/);
    assertNoSecrets(output, 'the --check output');
    assert.equal(openai.chatCalls + anthropic.chatCalls + gemini.chatCalls, 0);
  });

  test('exits 0 when every key is accepted (unverified is not a failure)', async () => {
    anthropic.failListing({ kind: 'drop' });
    const { code, output } = await runCheck({});
    assert.equal(code, 0, output);
    assert.match(output, /^anthropic#1\s+unverified\s+network/m);
  });
});
