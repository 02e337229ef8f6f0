/**
 * The Worker's configuration from its bindings: variables only (no schema library, no YAML parser), or
 * with SWITCHYARD_CONFIG_YAML; an error names the variable at fault and is returned, not thrown, so the
 * Worker can answer every request with it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROVIDER_NAMES } from '../../providers/registry.ts';
import { CONFIG_VAR, configFromBindings, stringBindings } from '../../src/config/config-from-bindings.ts';

const namespace = { idFromName: () => ({}), get: () => ({}) };

describe('configFromBindings', () => {
  it('variables only: providers, gateway keys and the log level from the bindings', async () => {
    const outcome = await configFromBindings(
      {
        OPENAI_API_KEY: 'sk-a',
        GATEWAY_API_KEYS: 'client-key-1',
        SWITCHYARD_LOG_LEVEL: 'warn',
        SWITCHYARD_STATE: namespace,
      },
      PROVIDER_NAMES,
    );
    assert.ok('config' in outcome, JSON.stringify(outcome));
    assert.deepEqual(
      outcome.config.providers.map((p) => p.name),
      ['openai'],
    );
    assert.deepEqual(outcome.config.apiKeys, ['client-key-1']);
    assert.equal(outcome.config.logLevel, 'warn');
  });

  it('SWITCHYARD_CONFIG_YAML as YAML or JSON: its settings apply', async () => {
    for (const text of ['policy:\n  deadlineMs: 4321\n', JSON.stringify({ policy: { deadlineMs: 4321 } })]) {
      const outcome = await configFromBindings({ OPENAI_API_KEY: 'sk-a', [CONFIG_VAR]: text }, PROVIDER_NAMES);
      assert.ok('config' in outcome, JSON.stringify(outcome));
      assert.equal(outcome.config.policy.deadlineMs, 4321);
    }
  });

  it('a bad variable or a bad SWITCHYARD_CONFIG_YAML is an error that names it, never echoing the value', async () => {
    const badEnv = await configFromBindings({ SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS: '50' }, PROVIDER_NAMES);
    assert.ok('error' in badEnv);
    assert.match(badEnv.error.message, /SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS/);
    for (const text of ['policy: [unclosed', 'sk-secret-pasted-here: 1\n']) {
      const outcome = await configFromBindings({ [CONFIG_VAR]: text }, PROVIDER_NAMES);
      assert.ok('error' in outcome, text);
      assert.match(outcome.error.message, new RegExp(CONFIG_VAR));
      assert.doesNotMatch(outcome.error.message, /sk-secret-pasted-here/);
    }
  });

  it('stringBindings keeps text bindings only', () => {
    assert.deepEqual(stringBindings({ A: 'x', B: 1, C: namespace, D: '' }), { A: 'x', D: '' });
  });
});
