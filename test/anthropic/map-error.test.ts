import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { mapAnthropicError } from '../../providers/anthropic/map-error.ts';
import { MAX_ERROR_MESSAGE_LENGTH } from '../../providers/shared/redact-secrets.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';

const KEY = 'sk-ant-api03-SECRETSECRETSECRET-abcdef';
const NOW = Date.parse('2026-11-02T10:00:00Z');

function envelope(type: string, message: string, details?: { error_code: string }): object {
  return {
    type: 'error',
    error: details ? { type, message, details } : { type, message },
    request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy',
  };
}

/** An error as the SDK builds it from an HTTP response (APIError.generate picks the class by status). */
function httpError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
  details?: { error_code: string },
) {
  return APIError.generate(status, envelope(type, message, details), undefined, new Headers(headers));
}

function map(error: unknown, inStream = false): UpstreamFailure {
  return mapAnthropicError(error, { secrets: [KEY], phase: inStream ? 'stream' : 'request', now: NOW });
}

describe('mapAnthropicError: HTTP statuses', () => {
  const cases: Array<[number, string, string, UpstreamFailure['kind']]> = [
    [400, 'invalid_request_error', 'messages: roles must alternate', 'bad_request'],
    [401, 'authentication_error', 'invalid x-api-key', 'auth'],
    [402, 'billing_error', 'billing is on hold', 'quota_exhausted'],
    [403, 'permission_error', 'no permission', 'permission'],
    [404, 'not_found_error', 'model: claude-nonexistent', 'not_found'],
    [413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.', 'context_length'],
    [429, 'rate_limit_error', 'rate limit for your organization', 'rate_limit'],
    [500, 'api_error', 'Internal server error', 'server'],
    [504, 'timeout_error', 'Request timed out', 'timeout'],
    [529, 'overloaded_error', 'Overloaded', 'overloaded'],
  ];
  for (const [status, type, message, kind] of cases) {
    it(`${status} ${type} → ${kind}`, () => {
      const failure = map(httpError(status, type, message));
      assert.equal(failure.kind, kind);
      assert.equal(failure.status, status);
      assert.equal(failure.code, type);
      assert.equal(failure.provider, 'anthropic');
      assert.match(failure.message, new RegExp(`${status} ${type}`));
      assert.ok(failure.message.includes(message));
    });
  }

  it('recognises context-window 400s as context_length', () => {
    assert.equal(
      map(httpError(400, 'invalid_request_error', 'prompt is too long: 215473 tokens > 200000 maximum')).kind,
      'context_length',
    );
    assert.equal(
      map(
        httpError(
          400,
          'invalid_request_error',
          'input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000',
        ),
      ).kind,
      'context_length',
    );
  });

  it('reads Retry-After on 429 and 529', () => {
    assert.equal(map(httpError(429, 'rate_limit_error', 'slow down', { 'retry-after': '7' })).retryAfterMs, 7000);
    assert.equal(
      map(httpError(529, 'overloaded_error', 'Overloaded', { 'retry-after-ms': '1500' })).retryAfterMs,
      1500,
    );
    assert.equal(
      map(httpError(429, 'rate_limit_error', 'slow down', { 'retry-after': 'Mon, 02 Nov 2026 10:00:30 GMT' }))
        .retryAfterMs,
      30_000,
    );
    assert.equal(map(httpError(429, 'rate_limit_error', 'slow down')).retryAfterMs, undefined);
  });

  it('treats a spend-limit 429 as quota_exhausted and drops its Retry-After', () => {
    const failure = map(
      httpError(
        429,
        'rate_limit_error',
        'This organization has reached its monthly spend limit.',
        { 'retry-after': '60' },
        {
          error_code: 'enforced_spend_limit_reached',
        },
      ),
    );
    assert.equal(failure.kind, 'quota_exhausted');
    assert.equal(failure.code, 'rate_limit_error');
    assert.equal(failure.retryAfterMs, undefined);
    assert.match(failure.message, /enforced_spend_limit_reached/);
    assert.equal(
      map(httpError(429, 'rate_limit_error', 'limit', {}, { error_code: 'contract_spend_limit_reached' })).kind,
      'quota_exhausted',
    );
    assert.equal(
      map(httpError(429, 'rate_limit_error', 'ramp', { 'retry-after': '5' }, { error_code: 'ramp_limit_exceeded' }))
        .kind,
      'rate_limit',
    );
  });

  it('treats credit-balance and usage-limit 400s as quota_exhausted', () => {
    assert.equal(
      map(httpError(400, 'invalid_request_error', 'Your credit balance is too low to access the Anthropic API.')).kind,
      'quota_exhausted',
    );
    assert.equal(
      map(httpError(400, 'invalid_request_error', 'You have reached your specified workspace API usage limits.')).kind,
      'quota_exhausted',
    );
  });

  it('falls back to the status for bodies without an Anthropic type', () => {
    const proxy = APIError.generate(502, undefined, '<html>Bad Gateway</html>', new Headers());
    const failure = map(proxy);
    assert.equal(failure.kind, 'server');
    assert.equal(failure.status, 502);
    assert.equal(failure.code, undefined);
    assert.equal(map(APIError.generate(503, undefined, 'unavailable', new Headers())).kind, 'overloaded');
    assert.equal(map(APIError.generate(413, undefined, 'too big', new Headers())).kind, 'context_length');
  });
});

describe('mapAnthropicError: stream and transport failures', () => {
  it('maps in-stream error events by their type', () => {
    const overloaded = new APIError(
      undefined,
      envelope('overloaded_error', 'Overloaded'),
      undefined,
      new Headers(),
      'overloaded_error',
    );
    const failure = map(overloaded, true);
    assert.equal(failure.kind, 'overloaded');
    assert.equal(failure.status, undefined);
    assert.equal(failure.code, 'overloaded_error');
    assert.match(failure.message, /stream error overloaded_error: Overloaded/);
    const api = new APIError(undefined, envelope('api_error', 'Internal'), undefined, new Headers(), 'api_error');
    assert.equal(map(api, true).kind, 'server');
  });

  it('maps connection errors to network and SDK timeouts to timeout', () => {
    const network = map(new APIConnectionError({ message: undefined }));
    assert.equal(network.kind, 'network');
    assert.equal(network.status, undefined);
    assert.equal(map(new APIConnectionTimeoutError()).kind, 'timeout');
    assert.equal(map(new APIUserAbortError()).kind, 'network');
  });

  it('maps malformed JSON to server/malformed_response', () => {
    let syntaxError: unknown;
    try {
      JSON.parse('{"id": "broken", "choices": [');
    } catch (error) {
      syntaxError = error;
    }
    for (const inStream of [false, true]) {
      const failure = map(syntaxError, inStream);
      assert.equal(failure.kind, 'server');
      assert.equal(failure.code, 'malformed_response');
    }
  });

  it('maps a connection dropped mid-stream to stream_interrupted, and before the response to network', () => {
    const dropped = new TypeError('terminated', { cause: new Error('other side closed') });
    assert.equal(map(dropped, true).kind, 'stream_interrupted');
    assert.equal(map(dropped, false).kind, 'network');
  });

  it('maps other SDK errors to server and passes UpstreamFailures through', () => {
    assert.equal(map(new AnthropicError('Attempted to iterate over a response with no body')).kind, 'server');
    const existing = new UpstreamFailure({ provider: 'anthropic', kind: 'stream_interrupted', message: 'cut' });
    assert.equal(map(existing), existing);
  });
});

describe('mapAnthropicError: secrets', () => {
  it('never lets the key (or anything key-shaped) into the message', () => {
    const echoes = [
      httpError(401, 'authentication_error', `invalid x-api-key: ${KEY}`),
      httpError(400, 'invalid_request_error', `bad header Authorization: Bearer ${KEY}`),
      httpError(401, 'authentication_error', 'invalid key sk-ant-api03-****cdef'),
      new APIError(undefined, envelope('api_error', `leak ${KEY}`), undefined, new Headers(), 'api_error'),
      new TypeError(`fetch failed for key ${KEY}`),
    ];
    for (const error of echoes) {
      const failure = map(error, error instanceof TypeError);
      assert.ok(!failure.message.includes(KEY), failure.message);
      assert.ok(!failure.message.includes('SECRET'), failure.message);
      assert.ok(!failure.message.includes('sk-ant'), failure.message);
    }
  });

  it('keeps messages short, by the rule every provider shares', () => {
    const failure = map(httpError(400, 'invalid_request_error', 'x'.repeat(5000)));
    assert.equal(failure.message.length, MAX_ERROR_MESSAGE_LENGTH + 1);
    assert.ok(failure.message.endsWith('…'));
  });
});

describe('mapAnthropicError: thinking blocks the history no longer has', () => {
  it("turns Anthropic's 400 into a bad_request that says why (code thinking_blocks_missing)", () => {
    const failure = map(
      httpError(
        400,
        'invalid_request_error',
        'messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block.',
      ),
    );
    assert.equal(failure.kind, 'bad_request');
    assert.equal(failure.code, 'thinking_blocks_missing');
    assert.match(failure.message, /thinking blocks of the assistant turn/);
  });
});
