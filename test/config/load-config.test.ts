import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/load-config.ts';
import { loadConfig } from '../../src/config/parse-config-file.ts';
import { DEFAULT_POLICY } from '../../src/config/policy.ts';

test('zero config: providers come from their keys, defaults apply, no key means not configured', () => {
  const config = loadConfig({
    OPENAI_API_KEY: 'sk-test-1',
    GEMINI_API_KEY: 'AIzaTest',
    GEMINI_BASE_URL: 'http://127.0.0.1:9/',
  });
  assert.deepEqual(
    config.providers.map((p) => p.name),
    ['openai', 'gemini'],
  );
  assert.equal(config.providers[1]?.baseURL, 'http://127.0.0.1:9');
  assert.equal(config.port, 8787);
  assert.equal(config.host, '127.0.0.1');
  assert.deepEqual(config.policy, DEFAULT_POLICY);
});

test('comma-separated keys form a key pool', () => {
  const config = loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-a, sk-ant-b' });
  assert.deepEqual(config.providers[0]?.apiKeys, ['sk-ant-a', 'sk-ant-b']);
});

test('without GATEWAY_API_KEYS the gateway never binds beyond loopback', () => {
  const open = loadConfig({ HOST: '0.0.0.0' });
  assert.equal(open.host, '127.0.0.1');
  assert.match(open.hostNote ?? '', /GATEWAY_API_KEYS/);
  const closed = loadConfig({ HOST: '0.0.0.0', GATEWAY_API_KEYS: 'client-key-1,client-key-2' });
  assert.equal(closed.host, '0.0.0.0');
  assert.deepEqual(closed.apiKeys, ['client-key-1', 'client-key-2']);
});

test('timeouts from the environment, with a clear error for bad values', () => {
  const config = loadConfig({
    SWITCHYARD_DEADLINE_MS: '5000',
    SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS: '800',
    SWITCHYARD_IDLE_TIMEOUT_MS: '900',
  });
  assert.equal(config.policy.deadlineMs, 5000);
  assert.equal(config.policy.firstTokenTimeoutMs, 800);
  assert.equal(config.policy.idleTimeoutMs, 900);
  assert.throws(() => loadConfig({ SWITCHYARD_DEADLINE_MS: 'soon' }), /SWITCHYARD_DEADLINE_MS/);
  assert.throws(() => loadConfig({ PORT: '70000' }), /PORT/);
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: the test name quotes the config syntax
test('YAML file: routes, per-route policy, ${ENV} interpolation', () => {
  const text = `
providers:
  openai:
    apiKey: \${MY_OPENAI_KEY}
  anthropic:
    apiKey: ["\${KEY_A}", "\${KEY_B:-sk-ant-fallback}"]
    defaultModel: claude-haiku-4-5
routes:
  gpt-4o: [openai:gpt-4o, anthropic:claude-sonnet-4-5, gemini:gemini-2.5-pro]
  small:
    targets: [openai:gpt-4o-mini]
    contextFallback: gpt-4o
    policy: { deadlineMs: 9000 }
policy:
  order: [anthropic, openai, gemini]
`;
  const config = loadConfig({ MY_OPENAI_KEY: 'sk-from-env', KEY_A: 'sk-ant-a' }, { text, path: 'switchyard.yaml' });
  assert.deepEqual(
    config.providers.map((p) => [p.name, p.apiKeys]),
    [
      ['anthropic', ['sk-ant-a', 'sk-ant-fallback']],
      ['openai', ['sk-from-env']],
    ],
  );
  const route = config.routes.get('gpt-4o');
  assert.deepEqual(route?.targets, [
    { provider: 'openai', model: 'gpt-4o' },
    { provider: 'anthropic', model: 'claude-sonnet-4-5' },
    { provider: 'gemini', model: 'gemini-2.5-pro' },
  ]);
  assert.equal(config.routes.get('small')?.policy.deadlineMs, 9000);
  assert.equal(config.routes.get('small')?.policy.maxAttempts, DEFAULT_POLICY.maxAttempts);
  assert.equal(config.routes.get('gpt-4o')?.policy.deadlineMs, DEFAULT_POLICY.deadlineMs);
});

test('validation errors name the bad field', () => {
  const cases: Array<[string, RegExp]> = [
    ['routes:\n  gpt-4o: [openai-gpt-4o]\n', /routes\.gpt-4o\[0\]: must be "provider:model"/],
    ['routes:\n  gpt-4o: [mistral:large]\n', /routes\.gpt-4o\[0\]: unknown provider "mistral"/],
    ['policy:\n  deadlineMs: fast\n', /policy\.deadlineMs/],
    ['policy:\n  retries: 3\n', /policy/],
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a config file's ${ENV} reference, not a template
      'providers:\n  openai:\n    apiKey: ${NOT_SET_ANYWHERE}\n',
      /providers\.openai\.apiKey: references \$\{NOT_SET_ANYWHERE\}/,
    ],
    [
      'routes:\n  a:\n    targets: [openai:x]\n    contextFallback: b\n',
      /routes\.a\.contextFallback: no route named "b"/,
    ],
    ['server: [1, 2\n', /not valid YAML/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => loadConfig({}, { text, path: 'bad.yaml' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, `expected ConfigError for ${text}`);
        assert.match(error.message, pattern);
        return true;
      },
    );
  }
});

test('JSON config files are parsed as JSON', () => {
  const config = loadConfig(
    { OPENAI_API_KEY: 'sk-x' },
    { text: '{"routes":{"fast":["openai:gpt-4o-mini"]}}', path: 'c.json' },
  );
  assert.equal(config.routes.get('fast')?.targets[0]?.model, 'gpt-4o-mini');
  assert.throws(() => loadConfig({}, { text: '{routes:', path: 'c.json' }), /not valid JSON/);
});
