/**
 * Telemetry through the real Node entry (`node src/node.ts`): /metrics and /dashboard behind the admin key,
 * and with OTEL_EXPORTER_OTLP_ENDPOINT set, OTLP/HTTP JSON traces at a loopback collector — one server span per
 * request, one client span per attempt with the GenAI attributes, and the failover as a span event.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../bench/lib/ports.ts';
import { startAnthropicMock } from '../../mocks/anthropic-mock.ts';
import type { MockUpstream } from '../../mocks/mock-upstream.ts';
import { openaiFaults, startOpenAIMock } from '../../mocks/openai-mock.ts';
import { assertNoSecrets, eventually, SECRET_KEYS } from '../helpers/harness.ts';

const ADMIN_KEY = 'admin-key-0123456789abcdef';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  events?: Array<{ name: string; attributes: Array<{ key: string; value: Record<string, unknown> }> }>;
  status: { code: number };
}

let openai: MockUpstream;
let anthropic: MockUpstream;
let collector: Server;
const posts: Array<{
  path: string;
  contentType: string;
  auth: string;
  body: {
    resourceSpans: Array<{ resource: { attributes: Span['attributes'] }; scopeSpans: Array<{ spans: Span[] }> }>;
  };
}> = [];
let child: ChildProcess;
let url = '';
let output = '';

const spans = () => posts.flatMap((p) => p.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
const attr = (span: Span, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

before(async () => {
  [openai, anthropic] = await Promise.all([startOpenAIMock(), startAnthropicMock()]);
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({
        path: req.url ?? '',
        contentType: String(req.headers['content-type']),
        auth: String(req.headers['x-collector-token']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const port = await freePort();
  child = spawn(process.execPath, ['src/node.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      OPENAI_API_KEY: SECRET_KEYS.openai,
      OPENAI_BASE_URL: `${openai.url}/v1`,
      ANTHROPIC_API_KEY: SECRET_KEYS.anthropic,
      ANTHROPIC_BASE_URL: anthropic.url,
      SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=t0ken',
      OTEL_SERVICE_NAME: 'switchyard-test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  url = `http://127.0.0.1:${port}`;
  await eventually(() => output.includes('"event":"listening"') || child.exitCode !== null, 10_000, 'gateway start');
  assert.equal(child.exitCode, null, output);
});
after(async () => {
  child.kill('SIGKILL');
  collector.closeAllConnections();
  await new Promise<void>((resolve) => collector.close(() => resolve()));
  await Promise.all([openai.close(), anthropic.close()]);
});

async function chat(): Promise<Response> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
  });
  await response.text();
  return response;
}

describe('node entry telemetry', () => {
  test('/metrics and /dashboard are served, /metrics only with the admin key', async () => {
    assert.equal((await fetch(`${url}/metrics`)).status, 401);
    assert.equal((await chat()).status, 200);
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /switchyard_requests_total\{route="gpt-4o-mini",status="200",provider="openai"\} 1/);
    assertNoSecrets(text, '/metrics');
    const page = await fetch(`${url}/dashboard`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Switchyard dashboard<\/title>/);
    assert.equal((await fetch(`${url}/admin/dashboard.json`)).status, 401);
  });

  test('OTLP traces: a request span with attempt spans and the failover decision', async () => {
    openai.failAlways(openaiFaults.serverError());
    const answer = await chat();
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-switchyard-provider'), 'anthropic');
    await eventually(
      () => spans().some((s) => s.kind === 2 && attr(s, 'gen_ai.provider.name') === 'anthropic'),
      5000,
      'the failover trace at the collector',
    );
    const post = posts.at(-1)!;
    assert.equal(post.path, '/v1/traces');
    assert.equal(post.contentType, 'application/json');
    assert.equal(post.auth, 't0ken');
    assert.deepEqual(post.body.resourceSpans[0]!.resource.attributes[0], {
      key: 'service.name',
      value: { stringValue: 'switchyard-test' },
    });
    const root = spans().find((s) => s.kind === 2 && attr(s, 'gen_ai.provider.name') === 'anthropic')!;
    assert.equal(attr(root, 'gen_ai.operation.name'), 'chat');
    assert.equal(attr(root, 'gen_ai.request.model'), 'gpt-4o-mini');
    assert.equal(attr(root, 'http.response.status_code'), '200');
    assert.ok(Number(attr(root, 'gen_ai.usage.input_tokens')) > 0);
    const children = spans().filter((s) => s.parentSpanId === root.spanId);
    assert.deepEqual(
      children.map((s) => [attr(s, 'gen_ai.provider.name'), attr(s, 'switchyard.decision')]),
      [
        ['openai', 'retry'],
        ['openai', 'failover'],
        ['anthropic', 'served'],
      ],
    );
    assert.ok(children.every((s) => s.traceId === root.traceId));
    const failover = root.events!.find((e) => e.name === 'switchyard.failover')!;
    assert.match(
      String(Object.values(failover.attributes.find((a) => a.key === 'switchyard.explanation')!.value)[0]),
      /failed over to anthropic because openai:server_500/,
    );
    assertNoSecrets(JSON.stringify(posts), 'the traces');
  });
});
