/**
 * How the passthrough maps OpenAI's failures (providers/openai/openai-failure.ts), fed what the HTTP transport
 * hands it: an error status with its headers and parsed body, an error event inside a 200 stream, or the
 * transport's own exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  mapErrorBody,
  mapStatusError,
  mapStreamErrorEvent,
  mapTransportError,
  type StatusErrorInit,
} from '../../providers/openai/openai-failure.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';

const KEY = 'sk-proj-REALKEY1234567890abcd';

interface ErrorFields {
  message?: string;
  type?: string;
  code?: string | null;
  param?: string | null;
}

/** An HTTP error response: status, headers and the `{"error":{...}}` envelope as OpenAI sends it. */
function httpError(status: number, error: ErrorFields, headers: Record<string, string> = {}): StatusErrorInit {
  return { status, headers: new Headers(headers), body: { error: { param: null, code: null, ...error } } };
}

/** An error event inside a stream (`data: {"error":{...}}` after the 200): no status of its own. */
class StreamErrorEvent {
  readonly body: unknown;
  constructor(body: unknown) {
    this.body = body;
  }
}
function streamError(error: ErrorFields): StreamErrorEvent {
  return new StreamErrorEvent({ error });
}

function map(
  input: StatusErrorInit | StreamErrorEvent | Error,
  phase: 'request' | 'stream' = 'request',
  now?: number,
  secrets: readonly string[] = [KEY],
): UpstreamFailure {
  const context = { secrets, phase, ...(now === undefined ? {} : { now }) };
  if (input instanceof StreamErrorEvent) return mapStreamErrorEvent(input.body, context);
  if (input instanceof Error) return mapTransportError(input, context);
  return mapStatusError(input, context);
}

/** Every way a failure could be shown or logged. */
function renderings(failure: UpstreamFailure): string {
  return [
    failure.message,
    String(failure),
    JSON.stringify(failure),
    inspect(failure, { depth: 10 }),
    failure.stack ?? '',
  ].join('\n');
}

describe('OpenAI failures: HTTP statuses and codes', () => {
  it('400 → bad_request, keeping param and code', () => {
    const failure = map(
      httpError(400, {
        message: "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.",
        type: 'invalid_request_error',
        code: 'decimal_above_max_value',
        param: 'temperature',
      }),
    );
    assert.ok(failure instanceof UpstreamFailure);
    assert.equal(failure.provider, 'openai');
    assert.equal(failure.kind, 'bad_request');
    assert.equal(failure.status, 400);
    assert.equal(failure.param, 'temperature');
    assert.equal(failure.code, 'decimal_above_max_value');
    assert.match(failure.message, /Invalid 'temperature'/);
    assert.doesNotMatch(failure.message, /^400 /, 'the SDK’s status prefix is not part of the message');
  });

  it('400 context_length_exceeded → context_length', () => {
    const failure = map(
      httpError(400, {
        message: "This model's maximum context length is 128000 tokens.",
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        param: 'messages',
      }),
    );
    assert.equal(failure.kind, 'context_length');
    assert.equal(failure.code, 'context_length_exceeded');
    assert.equal(failure.param, 'messages');
  });

  it('400 unsupported_parameter → cannot_serve: the request is fine, this model cannot take it', () => {
    const failure = map(
      httpError(400, {
        message: "Unsupported parameter: 'temperature' is not supported with this model.",
        type: 'invalid_request_error',
        code: 'unsupported_parameter',
        param: 'temperature',
      }),
    );
    assert.deepEqual(
      [failure.kind, failure.status, failure.code, failure.param],
      ['cannot_serve', 400, 'unsupported_parameter', 'temperature'],
    );
  });

  it('401 invalid_api_key → auth, with a safe message and no trace of the key, whole or masked', () => {
    const failure = map(
      httpError(401, {
        message: `Incorrect API key provided: sk-proj-****abcd. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
    );
    assert.equal(failure.kind, 'auth');
    assert.equal(failure.status, 401);
    assert.equal(failure.code, 'invalid_api_key');
    assert.equal(failure.message, "OpenAI rejected the gateway's API key");
    const shown = renderings(failure);
    assert.equal(shown.includes('****abcd'), false);
    assert.equal(shown.includes('sk-'), false);
    assert.equal(shown.includes('Incorrect API key'), false);
  });

  it('401 without a code is auth too, and its message is not passed on either', () => {
    const failure = map(
      httpError(401, { message: `You didn't provide an API key. Bearer ${KEY}`, type: 'invalid_request_error' }),
    );
    assert.equal(failure.kind, 'auth');
    assert.equal(failure.message, "OpenAI rejected the gateway's API key");
    assert.equal(renderings(failure).includes(KEY), false);
  });

  it('403 → permission', () => {
    const failure = map(
      httpError(403, {
        message: 'Country, region, or territory not supported',
        type: 'request_forbidden',
        code: 'unsupported_country_region_territory',
      }),
    );
    assert.equal(failure.kind, 'permission');
    assert.equal(failure.status, 403);
    assert.equal(failure.code, 'unsupported_country_region_territory');
  });

  it('404 model_not_found → not_found', () => {
    const failure = map(
      httpError(404, {
        message: 'The model `gpt-9` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        code: 'model_not_found',
      }),
    );
    assert.equal(failure.kind, 'not_found');
    assert.equal(failure.code, 'model_not_found');
    assert.match(failure.message, /gpt-9/);
  });

  it('422 → bad_request', () => {
    assert.equal(map(httpError(422, { message: 'Unprocessable', type: 'invalid_request_error' })).kind, 'bad_request');
  });

  it('500 and 502 → server, 503 → overloaded, 504 → timeout', () => {
    const server = map(
      httpError(500, {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
      }),
    );
    assert.equal(server.kind, 'server');
    assert.equal(server.code, 'server_error', 'the type stands in for a missing code');
    assert.equal(map(httpError(502, { message: 'Bad gateway', type: 'server_error' })).kind, 'server');
    const overloaded = map(
      httpError(503, {
        message: 'The server is overloaded',
        type: 'service_unavailable_error',
        code: 'server_is_overloaded',
      }),
    );
    assert.equal(overloaded.kind, 'overloaded');
    assert.equal(overloaded.status, 503);
    assert.equal(map(httpError(504, { message: 'Gateway timeout', type: 'server_error' })).kind, 'timeout');
  });

  it('an error response without a body gets a generic message', () => {
    const failure = map({ status: 502, headers: new Headers(), body: undefined });
    assert.equal(failure.kind, 'server');
    assert.equal(failure.message, 'OpenAI answered HTTP 502');
  });

  it('503 with retry-after keeps it', () => {
    const failure = map(
      httpError(503, { message: 'overloaded', type: 'service_unavailable_error' }, { 'retry-after': '3' }),
    );
    assert.equal(failure.retryAfterMs, 3000);
  });
});

describe('OpenAI failures: 429', () => {
  const rateLimited = {
    message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM)',
    type: 'requests',
    code: 'rate_limit_exceeded',
  };

  it('rate_limit_exceeded → rate_limit; retry-after-ms wins over retry-after', () => {
    const failure = map(httpError(429, rateLimited, { 'retry-after': '2', 'retry-after-ms': '1500' }));
    assert.equal(failure.kind, 'rate_limit');
    assert.equal(failure.status, 429);
    assert.equal(failure.code, 'rate_limit_exceeded');
    assert.equal(failure.retryAfterMs, 1500);
  });

  it('retry-after in seconds', () => {
    assert.equal(map(httpError(429, rateLimited, { 'retry-after': '7' })).retryAfterMs, 7000);
  });

  it('retry-after as an HTTP-date', () => {
    const now = Date.UTC(2026, 10, 1, 12, 0, 0);
    const failure = map(
      httpError(429, rateLimited, { 'retry-after': new Date(now + 30_000).toUTCString() }),
      'request',
      now,
    );
    assert.equal(failure.retryAfterMs, 30_000);
  });

  it('without retry-after, waits for the exhausted budget’s reset', () => {
    const requestsExhausted = map(
      httpError(429, rateLimited, {
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '120ms',
        'x-ratelimit-remaining-tokens': '5000',
        'x-ratelimit-reset-tokens': '6m0s',
      }),
    );
    assert.equal(requestsExhausted.retryAfterMs, 120);
    const tokensExhausted = map(
      httpError(
        429,
        { ...rateLimited, type: 'tokens' },
        {
          'x-ratelimit-remaining-requests': '40',
          'x-ratelimit-reset-requests': '1s',
          'x-ratelimit-remaining-tokens': '0',
          'x-ratelimit-reset-tokens': '1m30s',
        },
      ),
    );
    assert.equal(tokensExhausted.retryAfterMs, 90_000);
  });

  it('without retry-after and no budget visibly exhausted, takes the longer reset', () => {
    const failure = map(
      httpError(429, rateLimited, { 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-reset-tokens': '12ms' }),
    );
    assert.equal(failure.retryAfterMs, 2000);
  });

  it('without any hint, no retryAfterMs', () => {
    assert.equal(map(httpError(429, rateLimited)).retryAfterMs, undefined);
  });

  it('insufficient_quota → quota_exhausted, never rate_limit, and no wait even if a retry-after came', () => {
    const failure = map(
      httpError(
        429,
        {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
        { 'retry-after': '20' },
      ),
    );
    assert.equal(failure.kind, 'quota_exhausted');
    assert.equal(failure.code, 'insufficient_quota');
    assert.equal(failure.retryAfterMs, undefined);
  });

  it('billing codes under the insufficient_quota type are quota_exhausted too', () => {
    for (const code of [
      'credit_balance_exhausted',
      'project_spend_limit_exceeded',
      'organization_spend_limit_exceeded',
    ]) {
      const failure = map(httpError(429, { message: 'quota', type: 'insufficient_quota', code }));
      assert.equal(failure.kind, 'quota_exhausted', code);
      assert.equal(failure.code, code);
    }
  });
});

describe('OpenAI failures: the transport', () => {
  it('a connection that fails → network, without a status', () => {
    const failure = map(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }));
    assert.equal(failure.kind, 'network');
    assert.equal(failure.status, undefined);
  });

  it('a transport error quoting the key (fetch rejecting a bad header value) leaks nothing, cause included', () => {
    const failure = map(new TypeError(`Headers.append: "Bearer ${KEY}\n" is an invalid header value.`));
    assert.equal(failure.kind, 'network');
    assert.equal(renderings(failure).includes(KEY), false);
    assert.match(inspect(failure), /invalid header value/, 'the cause is kept, redacted, for debugging');
  });

  it('a transport error while reading the stream → stream_interrupted; before it → network', () => {
    const terminated = new TypeError('terminated', { cause: new Error('other side closed') });
    assert.equal(map(terminated, 'stream').kind, 'stream_interrupted');
    assert.equal(map(terminated, 'request').kind, 'network');
  });
});

describe('OpenAI failures: in-stream error events', () => {
  it('server_error → server, without status and without a retry hint from the 200’s headers', () => {
    const failure = map(
      streamError({
        message: 'The server had an error while processing your request.',
        type: 'server_error',
        code: null,
      }),
      'stream',
    );
    assert.equal(failure.kind, 'server');
    assert.equal(failure.status, undefined);
    assert.equal(failure.code, 'server_error');
    assert.equal(failure.retryAfterMs, undefined);
    assert.match(failure.message, /The server had an error/);
  });

  it('overloaded → overloaded', () => {
    assert.equal(
      map(streamError({ message: 'busy', type: 'service_unavailable_error', code: 'server_is_overloaded' }), 'stream')
        .kind,
      'overloaded',
    );
    assert.equal(map(streamError({ message: 'busy', type: 'overloaded_error' }), 'stream').kind, 'overloaded');
  });

  it('codes keep their meaning inside a stream', () => {
    assert.equal(
      map(streamError({ message: 'slow', type: 'tokens', code: 'rate_limit_exceeded' }), 'stream').kind,
      'rate_limit',
    );
    assert.equal(
      map(streamError({ message: 'quota', type: 'insufficient_quota', code: 'insufficient_quota' }), 'stream').kind,
      'quota_exhausted',
    );
    assert.equal(
      map(streamError({ message: 'long', type: 'invalid_request_error', code: 'context_length_exceeded' }), 'stream')
        .kind,
      'context_length',
    );
    assert.equal(map(streamError({ message: 'bad', type: 'invalid_request_error' }), 'stream').kind, 'bad_request');
  });

  it('an unknown error type is a server failure', () => {
    const failure = map(streamError({ message: 'something odd' }), 'stream');
    assert.equal(failure.kind, 'server');
    assert.equal(failure.message, 'something odd');
  });

  it('an auth error inside a stream is not passed on either', () => {
    const failure = map(
      streamError({
        message: 'Incorrect API key provided: sk-proj-****abcd',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
      'stream',
    );
    assert.equal(failure.kind, 'auth');
    assert.equal(renderings(failure).includes('abcd'), false);
  });
});

describe('OpenAI failures: redaction', () => {
  it('removes the configured key and anything key-shaped from every message', () => {
    const failure = map(
      httpError(400, { message: `Bad value near ${KEY} and sk-other-0123456789`, type: 'invalid_request_error' }),
    );
    assert.equal(failure.kind, 'bad_request');
    assert.equal(failure.message.includes(KEY), false);
    assert.equal(failure.message.includes('sk-other'), false);
    assert.match(failure.message, /\[redacted\]/);
  });

  it('redacts a key that does not look like one, when it is the configured key', () => {
    const failure = map(
      httpError(400, { message: 'key was local-llm-key-42', type: 'invalid_request_error' }),
      'request',
      undefined,
      ['local-llm-key-42'],
    );
    assert.equal(failure.message, 'key was [redacted]');
  });

  it('403 and 429 messages are redacted too', () => {
    for (const status of [403, 429]) {
      const failure = map(httpError(status, { message: `Denied for ${KEY}`, type: 'x' }));
      assert.equal(renderings(failure).includes(KEY), false, String(status));
    }
  });
});

describe('mapErrorBody', () => {
  it('maps an error envelope found in a 200 body', () => {
    const failure = mapErrorBody(
      { error: { message: 'upstream model crashed', type: 'server_error', code: null } },
      { secrets: [KEY], phase: 'request' },
    );
    assert.equal(failure.kind, 'server');
    assert.equal(failure.code, 'server_error');
    assert.equal(failure.message, 'upstream model crashed');
  });
});
