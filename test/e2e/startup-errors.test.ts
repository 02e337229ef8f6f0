/**
 * `npm start` (node src/node.ts) refuses bad configuration with one line naming the field: no stack trace, no
 * code frame, no value that might be a secret (issue 9, points 3 to 6).
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../bench/lib/ports.ts';

const SECRET = 'sk-proj-PASTEDsecretKEY0123456789abcdef';

interface Exit {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs the Node entry until it exits (a gateway that starts is killed after 10 s and fails the test). */
async function start(env: Record<string, string>): Promise<Exit> {
  const port = env.PORT ?? String(await freePort());
  const started = Date.now();
  const child = spawn(process.execPath, ['src/node.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(killer);
  return { code, output, ms: Date.now() - started };
}

function configFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-')), name);
  writeFileSync(path, text);
  return path;
}

function assertRefused(exit: Exit, pattern: RegExp, what: string): void {
  assert.equal(exit.code, 1, `${what}: exit code (output: ${exit.output.slice(0, 500)})`);
  assert.match(exit.output, pattern, what);
  assert.match(exit.output, /^switchyard: configuration error: /m, `${what}: one clear line`);
  assert.doesNotMatch(exit.output, /\n\s+at /, `${what}: no stack trace`);
  assert.ok(
    !exit.output.includes(SECRET) && !exit.output.includes(SECRET.slice(8, 24)),
    `${what}: the secret is not printed`,
  );
}

test('weak keys from the environment are refused, as they are in the file', async () => {
  assertRefused(
    await start({ SWITCHYARD_ADMIN_KEY: 'a' }),
    /SWITCHYARD_ADMIN_KEY: the admin key must be at least 16 characters/,
    'admin key',
  );
  assertRefused(
    await start({ GATEWAY_API_KEYS: 'a' }),
    /GATEWAY_API_KEYS\[0\]: gateway API keys must be at least 8 characters/,
    'gateway key',
  );
});

test('numbers a timer cannot honour, and a key pasted into the wrong variable', async () => {
  assertRefused(
    await start({ SWITCHYARD_DEADLINE_MS: '1e21' }),
    /SWITCHYARD_DEADLINE_MS: must be a whole number from 100 to 2147483647/,
    'deadline',
  );
  assertRefused(await start({ PORT: SECRET }), /PORT: must be a whole number/, 'key in PORT');
  assertRefused(
    await start({ OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: SECRET }),
    /OPENAI_BASE_URL: not a valid URL/,
    'key in a base URL',
  );
  assertRefused(
    await start({ SWITCHYARD_LOG_LEVEL: SECRET }),
    /SWITCHYARD_LOG_LEVEL: must be one of debug, info, warn, error/,
    'key in the log level',
  );
  assertRefused(
    await start({ SWITCHYARD_ALERT_WEBHOOK_FORMAT: SECRET }),
    /SWITCHYARD_ALERT_WEBHOOK_FORMAT: must be "json" or "slack", not a value of \d+ characters \(not shown\)/,
    'key in the webhook format',
  );
  const order = configFile('c.yaml', `policy:\n  order: [openai, "${SECRET}"]\n`);
  assertRefused(
    await start({ SWITCHYARD_CONFIG: order }),
    /policy\.order\[1\]: unknown provider/,
    'key in policy.order',
  );
});

test('non-http base and webhook URLs, and the metadata address', async () => {
  assertRefused(
    await start({ OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'file:///etc/passwd' }),
    /OPENAI_BASE_URL: must be an http: or https: URL/,
    'file:',
  );
  assertRefused(
    await start({ SWITCHYARD_ALERT_WEBHOOK_URL: 'javascript:alert(1)' }),
    /SWITCHYARD_ALERT_WEBHOOK_URL: must be an http: or https: URL/,
    'javascript:',
  );
  assertRefused(
    await start({ ANTHROPIC_API_KEY: 'sk-ant-x', ANTHROPIC_BASE_URL: 'http://169.254.169.254/' }),
    /ANTHROPIC_BASE_URL: points at a link-local or cloud-metadata address; set SWITCHYARD_ALLOW_LINK_LOCAL_URLS=true/,
    'metadata',
  );
});

test('config files: /dev/zero, a YAML error on the apiKey line, a recursive alias, a 100,000-deep JSON', async () => {
  const zero = await start({ SWITCHYARD_CONFIG: '/dev/zero' });
  assertRefused(zero, /SWITCHYARD_CONFIG: \/dev\/zero is larger than 1048576 bytes/, '/dev/zero');
  assert.ok(zero.ms < 8000, `refused in ${zero.ms} ms`);
  const yaml = configFile('c.yaml', `providers:\n  openai:\n    apiKey: ${SECRET}\n     oops: true\n`);
  assertRefused(
    await start({ SWITCHYARD_CONFIG: yaml }),
    /not valid YAML at line \d+, column \d+/,
    'YAML syntax error',
  );
  const recursive = configFile('c.yaml', 'redis: &a\n  options: *a\n');
  assertRefused(await start({ SWITCHYARD_CONFIG: recursive }), /nested deeper than 32 levels/, 'recursive alias');
  const deep = configFile('c.json', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
  assertRefused(await start({ SWITCHYARD_CONFIG: deep }), /nested deeper than 32 levels/, 'deep JSON');
  assertRefused(
    await start({ SWITCHYARD_CONFIG: '/nonexistent/switchyard.yaml' }),
    /cannot read \/nonexistent\/switchyard\.yaml: ENOENT/,
    'missing file',
  );
});

test('a port in use or a HOST that cannot be bound: one line, no stack, HOST not echoed', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const address = taken.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    assertRefused(
      await start({ PORT: String(port), HOST: '127.0.0.1' }),
      new RegExp(`cannot listen on port ${port} of HOST: EADDRINUSE`),
      'port in use',
    );
  } finally {
    taken.close();
  }
  assertRefused(
    await start({ HOST: SECRET, GATEWAY_API_KEYS: 'client-key-0123456789' }),
    /cannot listen on port \d+ of HOST: [A-Z_]+$/m,
    'key in HOST',
  );
});
