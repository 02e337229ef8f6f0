import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_QUEUE } from '../../src/config/load-config.ts';
import { loadConfig } from '../../src/config/parse-config-file.ts';

const file = (text: string) => ({ text, path: 'limits.yaml' });

test('budgets per provider from the file, per-model overrides, env shortcuts winning over the file', () => {
  const config = loadConfig(
    { OPENAI_API_KEY: 'sk-a', ANTHROPIC_API_KEY: 'sk-ant', OPENAI_RPM: '60', ANTHROPIC_MAX_CONCURRENCY: '4' },
    file(`
providers:
  openai:
    limits: { rpm: 500, tpm: 200000 }
    models:
      gpt-4o: { limits: { rpm: 100, maxConcurrency: 2 } }
`),
  );
  const [openai, anthropic] = config.providers;
  assert.deepEqual(openai?.limits, { rpm: 60, tpm: 200_000 });
  assert.deepEqual([...(openai?.modelLimits ?? [])], [['gpt-4o', { rpm: 100, maxConcurrency: 2 }]]);
  assert.deepEqual(anthropic?.limits, { maxConcurrency: 4 });
  assert.equal(
    config.providers.find((p) => p.name === 'gemini'),
    undefined,
  );
  assert.deepEqual(config.queue, DEFAULT_QUEUE);
});

test('queue settings from the file and the environment', () => {
  const config = loadConfig(
    { SWITCHYARD_QUEUE_MAX_WAIT_MS: '2000', SWITCHYARD_QUEUE_MAX_LENGTH: '0' },
    file('queue: { maxWaitMs: 5000, preferredWaitMs: 0 }\n'),
  );
  assert.deepEqual(config.queue, { maxWaitMs: 2000, maxLength: 0, preferredWaitMs: 0 });
});

test('bad budgets are refused naming the field, without echoing the value', () => {
  assert.throws(() => loadConfig({ OPENAI_API_KEY: 'sk-a', OPENAI_TPM: '0' }), /OPENAI_TPM: must be a whole number/);
  assert.throws(() => loadConfig({ GEMINI_API_KEY: 'k', GEMINI_RPM: 'lots' }), /GEMINI_RPM/);
  assert.throws(
    () => loadConfig({}, file('providers:\n  openai:\n    limits: { rpm: 1.5 }\n')),
    /providers\.openai\.limits\.rpm/,
  );
  assert.throws(() => loadConfig({}, file('providers:\n  openai:\n    limits: { burst: 3 }\n')), /burst/);
  assert.throws(() => loadConfig({ SWITCHYARD_QUEUE_MAX_WAIT_MS: '-1' }), /SWITCHYARD_QUEUE_MAX_WAIT_MS/);
});
