/**
 * The three providers' error mappers take one context shape and pass an upstream's message on by one rule:
 * the configured key removed, then the message capped at MAX_ERROR_MESSAGE_LENGTH with `…` marking the cut.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIError as AnthropicAPIError } from '@anthropic-ai/sdk';
import { ApiError as GeminiApiError } from '@google/genai';
import { mapAnthropicError } from '../../providers/anthropic/map-error.ts';
import { mapGeminiError } from '../../providers/gemini/map-error.ts';
import { mapStatusError } from '../../providers/openai/openai-failure.ts';
import type { MapErrorContext } from '../../providers/shared/map-error-context.ts';
import { MAX_ERROR_MESSAGE_LENGTH, redactMessage } from '../../providers/shared/redact-secrets.ts';
import type { UpstreamFailure } from '../../providers/upstream-failure.ts';

// Looks like no known key format: only the context's `secrets` can remove it.
const KEY = 'local-upstream-key-0042';

const mappers: Array<[string, (message: string, context: MapErrorContext) => UpstreamFailure]> = [
  [
    'openai',
    (message, context) =>
      mapStatusError(
        { status: 400, headers: new Headers(), body: { error: { message, type: 'invalid_request_error' } } },
        context,
      ),
  ],
  [
    'anthropic',
    (message, context) =>
      mapAnthropicError(
        AnthropicAPIError.generate(
          400,
          { type: 'error', error: { type: 'invalid_request_error', message } },
          undefined,
          new Headers(),
        ),
        context,
      ),
  ],
  [
    'gemini',
    (message, context) =>
      mapGeminiError(
        new GeminiApiError({
          message: JSON.stringify({ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }),
          status: 400,
        }),
        context,
      ),
  ],
];

describe('one error-mapping rule for every provider', () => {
  for (const [name, map] of mappers) {
    it(`${name}: the context's key is removed, then a long message is cut at the shared length`, () => {
      const context: MapErrorContext = { secrets: [KEY], phase: 'request' };
      const short = map(`rejected ${KEY} here`, context);
      assert.ok(!short.message.includes(KEY), short.message);
      assert.match(short.message, /rejected \[redacted\] here/);

      // The key sits across the cut: redacting first leaves no piece of it behind.
      const long = map(`${'x'.repeat(MAX_ERROR_MESSAGE_LENGTH - 30)}${KEY}${'y'.repeat(4000)}`, context);
      assert.equal(long.message.length, MAX_ERROR_MESSAGE_LENGTH + 1);
      assert.ok(long.message.endsWith('…'));
      assert.ok(!long.message.includes(KEY.slice(0, 10)), 'no piece of the key');
    });
  }
});

describe('redactMessage', () => {
  it('leaves a short message as it is, apart from secrets', () => {
    assert.equal(redactMessage('fine', ['k3y-secret']), 'fine');
    assert.equal(redactMessage('bad k3y-secret', ['k3y-secret']), 'bad [redacted]');
  });

  it('cuts after redacting, at exactly the shared length', () => {
    const text = 'a'.repeat(MAX_ERROR_MESSAGE_LENGTH);
    assert.equal(redactMessage(text), text, 'at the limit nothing is cut');
    assert.equal(redactMessage(`${text}b`), `${text}…`);
  });
});
