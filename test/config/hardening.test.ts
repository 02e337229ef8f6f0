/**
 * Configuration the gateway must refuse, with an error naming the field and never the value (issue 9,
 * points 3, 4, 5 and 6): numbers timers cannot honour, short keys from the environment, values pasted into
 * the wrong variable, non-http URLs and metadata addresses, and files that are too big, too deep or recursive.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CONFIG_BYTES, MAX_TIMER_MS } from '../../src/config/bounds.ts';
import { isLinkLocalOrMetadata } from '../../src/config/check-url.ts';
import { ConfigError, type Env } from '../../src/config/load-config.ts';
import { loadConfig } from '../../src/config/parse-config-file.ts';

const SECRET = 'sk-proj-PASTEDsecretKEY0123456789abcdef';

function refusal(env: Env, file?: { text: string; path: string }): string {
  try {
    loadConfig(env, file);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail(`accepted: ${JSON.stringify(env)} ${file?.text.slice(0, 80) ?? ''}`);
}

test('numbers beyond what a timer honours are refused, env and file, naming the field', () => {
  for (const name of [
    'SWITCHYARD_DEADLINE_MS',
    'SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS',
    'SWITCHYARD_IDLE_TIMEOUT_MS',
    'SWITCHYARD_NON_STREAMING_TIMEOUT_MS',
    'SWITCHYARD_HEADERS_TIMEOUT_MS',
    'SWITCHYARD_REQUEST_TIMEOUT_MS',
  ]) {
    for (const raw of [
      '1e21',
      '3000000000',
      String(MAX_TIMER_MS + 1),
      '0x1000',
      '5000.0',
      '-5',
      '99999999999999999999',
    ]) {
      assert.match(
        refusal({ [name]: raw }),
        new RegExp(`^${name}: must be a whole number from \\d+ to ${MAX_TIMER_MS}$`),
        `${name}=${raw}`,
      );
    }
  }
  assert.equal(
    loadConfig({ SWITCHYARD_DEADLINE_MS: String(MAX_TIMER_MS) }).policy.deadlineMs,
    MAX_TIMER_MS,
    'the bound itself is fine',
  );
  assert.match(refusal({ PORT: '1e3' }), /^PORT: must be a whole number from 0 to 65535$/);

  const fileCases: Array<[string, RegExp]> = [
    ['policy:\n  deadlineMs: 3000000000\n', /policy\.deadlineMs/],
    [
      'routes:\n  a:\n    targets: [openai:x]\n    policy: { idleTimeoutMs: 1e21 }\n',
      /routes\.a\.policy\.idleTimeoutMs/,
    ],
    ['policy:\n  maxDelayMs: 2147483648\n', /policy\.maxDelayMs/],
    ['health:\n  probe: { cooldownMs: 3000000000 }\n', /health\.probe\.cooldownMs/],
    ['health:\n  windows: { longMs: 1e12 }\n', /health\.windows\.longMs/],
    ['server:\n  requestTimeoutMs: 3000000000\n', /server\.requestTimeoutMs/],
  ];
  for (const [text, pattern] of fileCases) assert.match(refusal({}, { text, path: 'c.yaml' }), pattern, text);
  assert.match(
    refusal({ SWITCHYARD_HEADERS_TIMEOUT_MS: '5000', SWITCHYARD_REQUEST_TIMEOUT_MS: '1000' }),
    /must not exceed/,
  );
});

test('key length rules are the same for the environment and the file', () => {
  assert.match(
    refusal({ SWITCHYARD_ADMIN_KEY: 'a' }),
    /^SWITCHYARD_ADMIN_KEY: the admin key must be at least 16 characters$/,
  );
  assert.match(refusal({ SWITCHYARD_ADMIN_KEY: '0123456789abcde' }), /at least 16/);
  assert.match(
    refusal({ GATEWAY_API_KEYS: 'a' }),
    /^GATEWAY_API_KEYS\[0\]: gateway API keys must be at least 8 characters$/,
  );
  assert.match(refusal({ GATEWAY_API_KEYS: 'long-enough-key,short' }), /^GATEWAY_API_KEYS\[1\]:/);
  assert.match(refusal({ GATEWAY_API_KEYS: ' , ' }), /GATEWAY_API_KEYS: set but holds no key/);
  assert.match(refusal({ GATEWAY_API_KEYS: 'key-with-\u00e9-accent' }), /visible ASCII/);
  assert.match(
    refusal({}, { text: 'server:\n  adminKey: short\n', path: 'c.yaml' }),
    /server\.adminKey: the admin key must be at least 16/,
  );
  assert.match(
    refusal({}, { text: 'server:\n  apiKeys: [abc]\n', path: 'c.yaml' }),
    /server\.apiKeys\[0\]: gateway API keys must be at least 8/,
  );
  const ok = loadConfig({ GATEWAY_API_KEYS: 'client-key-1', SWITCHYARD_ADMIN_KEY: 'admin-key-0123456789' });
  assert.deepEqual([ok.apiKeys, ok.adminKey], [['client-key-1'], 'admin-key-0123456789']);
});

test('a key pasted into the wrong variable or field is never echoed in the error', () => {
  const cases: Array<[Env, string, RegExp]> = [
    [{ PORT: SECRET }, 'PORT', /PORT/],
    [{ SWITCHYARD_DEADLINE_MS: SECRET }, 'deadline', /SWITCHYARD_DEADLINE_MS/],
    [{ OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: SECRET }, 'base URL', /OPENAI_BASE_URL: not a valid URL/],
    [
      { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: `https://${SECRET}@${'x'}:99999` },
      'base URL with a bad port',
      /OPENAI_BASE_URL/,
    ],
    [
      { SWITCHYARD_ALERT_WEBHOOK_URL: `file:///${SECRET}` },
      'webhook',
      /SWITCHYARD_ALERT_WEBHOOK_URL: must be an http: or https: URL/,
    ],
    [{ SWITCHYARD_ALLOW_LINK_LOCAL_URLS: SECRET }, 'flag', /SWITCHYARD_ALLOW_LINK_LOCAL_URLS: must be true or false/],
  ];
  for (const [env, what, pattern] of cases) {
    const message = refusal(env);
    assert.match(message, pattern, what);
    assert.ok(!message.includes(SECRET) && !message.includes(SECRET.slice(8, 20)), `${what}: ${message}`);
  }
  const files: Array<[string, RegExp]> = [
    [
      `policy:\n  order: [openai, ${SECRET}]\n`,
      /policy\.order\[1\]: unknown provider a value of \d+ characters \(not shown\)/,
    ],
    [`routes:\n  a: ["${SECRET}:model"]\n`, /routes\.a\[0\]: must be "provider:model"/],
    [`server:\n  ${SECRET}: 1\n`, /server: unknown field a value of \d+ characters \(not shown\)/],
    [
      `providers:\n  openai:\n    apiKey: x\n    baseURL: "gopher://${SECRET}"\n`,
      /providers\.openai\.baseURL: must be an http: or https: URL/,
    ],
    // YAML's code frame would print this line.
    [
      `providers:\n  openai:\n    apiKey: ${SECRET}\n     oops: x\n`,
      /not valid YAML at line \d+, column \d+: .*\([A-Z_]+\)$/,
    ],
    [`{"providers": {"openai": {"apiKey": "${SECRET}" "x"}}}`, /not valid JSON at line 1, column \d+$/],
  ];
  for (const [text, pattern] of files) {
    const message = refusal({}, { text, path: text.startsWith('{') ? 'c.json' : 'c.yaml' });
    assert.match(message, pattern);
    assert.ok(!message.includes(SECRET) && !message.includes(SECRET.slice(8, 20)), message);
  }
  assert.match(
    refusal({}, { text: 'policy:\n  order: [mistral]\n', path: 'c.yaml' }),
    /policy\.order\[0\]: unknown provider "mistral"/,
    'a plain typo is still shown',
  );
});

test('base and webhook URLs: http(s) only; link-local and metadata addresses only when allowed', () => {
  for (const url of [
    'file:///etc/passwd',
    'data:text/plain,hi',
    'javascript:alert(1)',
    'gopher://example.com',
    'ftp://example.com',
  ]) {
    assert.match(
      refusal({ OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: url }),
      /OPENAI_BASE_URL: must be an http: or https: URL/,
      url,
    );
    assert.match(
      refusal({ SWITCHYARD_ALERT_WEBHOOK_URL: url }),
      /SWITCHYARD_ALERT_WEBHOOK_URL: must be an http: or https: URL/,
      url,
    );
    assert.match(
      refusal({}, { text: `health:\n  webhookUrl: "${url}"\n`, path: 'c.yaml' }),
      /health\.webhookUrl: must be an http: or https: URL/,
      url,
    );
  }
  const metadata = [
    'http://169.254.169.254/latest/meta-data/',
    'http://0xa9fea9fe/',
    'http://2852039166/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://METADATA.GOOGLE.INTERNAL./',
    'http://[fe80::1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[fd00:ec2::254]/',
    'http://100.100.100.200/',
  ];
  for (const url of metadata) {
    assert.match(
      refusal({ GEMINI_API_KEY: 'AIzaX', GEMINI_BASE_URL: url }),
      /GEMINI_BASE_URL: points at a link-local or cloud-metadata address/,
      url,
    );
    assert.match(refusal({ SWITCHYARD_ALERT_WEBHOOK_URL: url }), /link-local or cloud-metadata/, url);
    const allowed = loadConfig({
      GEMINI_API_KEY: 'AIzaX',
      GEMINI_BASE_URL: url,
      SWITCHYARD_ALLOW_LINK_LOCAL_URLS: 'true',
    });
    assert.ok(allowed.providers[0]?.baseURL, `${url} allowed by the switch`);
  }
  const fromFile = loadConfig(
    {},
    { text: 'server:\n  allowLinkLocalUrls: true\nhealth:\n  webhookUrl: http://169.254.1.1/hook\n', path: 'c.yaml' },
  );
  assert.equal(fromFile.health.webhookUrl, 'http://169.254.1.1/hook');
  for (const host of ['127.0.0.1', '[::1]', 'localhost', 'api.openai.com', '10.0.0.5', '[fe8::1]', '169.255.0.1']) {
    assert.equal(isLinkLocalOrMetadata(new URL(`http://${host}/`).hostname), false, host);
  }
});

test('config files: bounded size, bounded depth, recursive and exploding aliases, a clear error', () => {
  assert.match(refusal({}, { text: `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`, path: 'c.yaml' }), /larger than \d+ bytes/);
  const deepJson = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
  assert.match(refusal({}, { text: deepJson, path: 'c.json' }), /nested deeper than \d+ levels/);
  assert.match(refusal({}, { text: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, path: 'c.json' }), /nested deeper/);
  assert.match(refusal({}, { text: `a: ${'['.repeat(5000)}`, path: 'c.yaml' }), /not valid YAML/);
  assert.match(
    refusal({}, { text: 'redis: &a { options: *a }\n', path: 'c.yaml' }),
    /nested deeper than \d+ levels \(or an alias refers to itself\)/,
  );
  const laughs = [
    'a: &a [x, x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
  ].join('\n');
  assert.match(refusal({}, { text: laughs, path: 'c.yaml' }), /aliases expand to more than \d+ nodes/);
  assert.match(refusal({}, { text: 'a: *nowhere\n', path: 'c.yaml' }), /an alias has no anchor/);
  const fine = loadConfig(
    {},
    { text: 'health:\n  thresholds:\n    errorRate: &k { enabled: true }\n    rateLimitRate: *k\n', path: 'c.yaml' },
  );
  assert.equal(fine.health.thresholds.rateLimitRate?.enabled, true, 'an ordinary alias still works');
});
