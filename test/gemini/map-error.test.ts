import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@google/genai';
import { geminiError, geminiFaults } from '../../mocks/gemini-mock.ts';
import type { Fault } from '../../mocks/mock-upstream.ts';
import { mapGeminiError, parseGeminiErrorBody } from '../../providers/gemini/map-error.ts';
import type { MapErrorContext } from '../../providers/shared/map-error-context.ts';
import { UpstreamFailure } from '../../providers/upstream-failure.ts';

const KEY = 'AIzaSECRETgeminiKEY0123456789abcdefgh';
const request: MapErrorContext = { secrets: [KEY], phase: 'request' };

/** The ApiError the SDK throws for an HTTP error response with this body (throwErrorIfNotOK). */
function httpError(status: number, body: unknown): ApiError {
  return new ApiError({ message: JSON.stringify(body), status });
}

function fromFault(fault: Fault, context: MapErrorContext = request): UpstreamFailure {
  assert.equal(fault.kind, 'status');
  if (fault.kind !== 'status') throw new Error('unreachable');
  return mapGeminiError(
    httpError(fault.status, fault.body),
    fault.headers ? { ...context, headers: new Headers(fault.headers) } : context,
  );
}

function summary(failure: UpstreamFailure) {
  return { kind: failure.kind, status: failure.status, code: failure.code, retryAfterMs: failure.retryAfterMs };
}

describe('mapGeminiError: HTTP statuses and details', () => {
  it('400 INVALID_ARGUMENT → bad_request', () => {
    assert.deepEqual(summary(fromFault(geminiFaults.badRequest())), {
      kind: 'bad_request',
      status: 400,
      code: 'INVALID_ARGUMENT',
      retryAfterMs: undefined,
    });
  });

  it('400 with a token-limit message → context_length', () => {
    assert.equal(fromFault(geminiFaults.contextTooLong()).kind, 'context_length');
    assert.equal(
      mapGeminiError(
        httpError(400, geminiError(400, 'INVALID_ARGUMENT', 'Request has too many tokens for this model.')),
        request,
      ).kind,
      'context_length',
    );
  });

  it('400 with ErrorInfo API_KEY_INVALID → auth (a wrong key is a 400 on Gemini)', () => {
    assert.deepEqual(summary(fromFault(geminiFaults.apiKeyInvalid())), {
      kind: 'auth',
      status: 400,
      code: 'INVALID_ARGUMENT',
      retryAfterMs: undefined,
    });
  });

  it('400 FAILED_PRECONDITION (region, billing) → permission', () => {
    assert.deepEqual(summary(fromFault(geminiFaults.locationNotSupported())), {
      kind: 'permission',
      status: 400,
      code: 'FAILED_PRECONDITION',
      retryAfterMs: undefined,
    });
  });

  it('401 → auth, 403 → permission, 404 → not_found', () => {
    assert.equal(
      mapGeminiError(
        httpError(401, geminiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')),
        request,
      ).kind,
      'auth',
    );
    assert.deepEqual(summary(fromFault(geminiFaults.permissionDenied())), {
      kind: 'permission',
      status: 403,
      code: 'PERMISSION_DENIED',
      retryAfterMs: undefined,
    });
    assert.deepEqual(summary(fromFault(geminiFaults.modelNotFound())), {
      kind: 'not_found',
      status: 404,
      code: 'NOT_FOUND',
      retryAfterMs: undefined,
    });
  });

  it('429 → rate_limit with retryAfterMs from RetryInfo.retryDelay', () => {
    assert.deepEqual(summary(fromFault(geminiFaults.rateLimited({ retryDelay: '58s' }))), {
      kind: 'rate_limit',
      status: 429,
      code: 'RESOURCE_EXHAUSTED',
      retryAfterMs: 58_000,
    });
    assert.equal(fromFault(geminiFaults.rateLimited({ retryDelay: '1.5s' })).retryAfterMs, 1500);
  });

  it('429 → retryAfterMs from Retry-After when there is no RetryInfo; RetryInfo wins when both exist', () => {
    assert.equal(fromFault(geminiFaults.rateLimited({ retryAfterSeconds: 12 })).retryAfterMs, 12_000);
    assert.equal(fromFault(geminiFaults.rateLimited({ retryAfterSeconds: 12, retryDelay: '3s' })).retryAfterMs, 3000);
    assert.equal(fromFault(geminiFaults.rateLimited()).retryAfterMs, undefined);
    const date = mapGeminiError(httpError(429, geminiError(429, 'RESOURCE_EXHAUSTED', 'slow')), {
      ...request,
      headers: new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }),
      now: Date.UTC(2026, 0, 1),
    });
    assert.equal(date.retryAfterMs, 30_000);
  });

  it('429 with a per-day quota violation → quota_exhausted', () => {
    assert.deepEqual(summary(fromFault(geminiFaults.dailyQuotaExhausted())), {
      kind: 'quota_exhausted',
      status: 429,
      code: 'RESOURCE_EXHAUSTED',
      retryAfterMs: 21_000,
    });
    const byMetric = geminiError(429, 'RESOURCE_EXHAUSTED', 'quota', [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_requests_per_model_per_day',
            quotaId: 'GenerateRequestsPerDayPerProjectPerModel',
          },
        ],
      },
    ]);
    assert.equal(mapGeminiError(httpError(429, byMetric), request).kind, 'quota_exhausted');
  });

  it('500 → server, 503 → overloaded, 504 → timeout', () => {
    assert.deepEqual(summary(fromFault(geminiFaults.internal())), {
      kind: 'server',
      status: 500,
      code: 'INTERNAL',
      retryAfterMs: undefined,
    });
    assert.deepEqual(summary(fromFault(geminiFaults.overloaded())), {
      kind: 'overloaded',
      status: 503,
      code: 'UNAVAILABLE',
      retryAfterMs: undefined,
    });
    assert.deepEqual(summary(fromFault(geminiFaults.deadlineExceeded())), {
      kind: 'timeout',
      status: 504,
      code: 'DEADLINE_EXCEEDED',
      retryAfterMs: undefined,
    });
  });

  it('a non-JSON error body (wrapped by the SDK with the status text) still maps by status, without a Gemini code', () => {
    const failure = mapGeminiError(
      httpError(502, { error: { message: '<html>Bad Gateway</html>', code: 502, status: 'Bad Gateway' } }),
      request,
    );
    assert.deepEqual(summary(failure), { kind: 'server', status: 502, code: undefined, retryAfterMs: undefined });
    assert.match(failure.message, /Bad Gateway/);
  });

  it('an error event inside the stream ("got status: ...") is mapped by its status', () => {
    const body = geminiError(503, 'UNAVAILABLE', 'The model is overloaded.');
    const error = new ApiError({ message: `got status: UNAVAILABLE. ${JSON.stringify(body)}`, status: 503 });
    assert.deepEqual(summary(mapGeminiError(error, { ...request, phase: 'stream' })), {
      kind: 'overloaded',
      status: 503,
      code: 'UNAVAILABLE',
      retryAfterMs: undefined,
    });
  });

  it('never lets the key through, named or by pattern', () => {
    const body = geminiError(
      403,
      'PERMISSION_DENIED',
      `Permission denied: Consumer 'api_key:${KEY}' has been suspended. Other: AIzaSyOTHERkeyABCDEFGHIJKLMNOP`,
    );
    const failure = mapGeminiError(httpError(403, body), request);
    assert.ok(!failure.message.includes(KEY));
    assert.ok(!failure.message.includes('AIzaSyOTHER'));
    assert.equal(failure.cause, undefined);
  });

  it('keeps messages bounded', () => {
    const failure = mapGeminiError(httpError(400, geminiError(400, 'INVALID_ARGUMENT', 'x'.repeat(5000))), request);
    assert.ok(failure.message.length <= 1001);
  });
});

describe('mapGeminiError: transport and parsing', () => {
  it('the SDK timeout (AbortError) → timeout', () => {
    const failure = mapGeminiError(new DOMException('This operation was aborted', 'AbortError'), request);
    assert.deepEqual([failure.kind, failure.status], ['timeout', undefined]);
  });

  it('fetch failures → network before the stream, stream_interrupted once it started', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    });
    const before = mapGeminiError(refused, request);
    assert.deepEqual([before.kind, before.code], ['network', 'network_error']);
    assert.match(before.message, /ECONNREFUSED/);
    const terminated = new TypeError('terminated', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    assert.equal(mapGeminiError(terminated, { ...request, phase: 'stream' }).kind, 'stream_interrupted');
    assert.equal(
      mapGeminiError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), request).kind,
      'network',
    );
  });

  it('malformed JSON → server with code malformed_response', () => {
    for (const error of [
      new SyntaxError('Unexpected end of JSON input'),
      new Error('exception parsing stream chunk {"a". SyntaxError'),
    ]) {
      const failure = mapGeminiError(error, { ...request, phase: 'stream' });
      assert.deepEqual([failure.kind, failure.code], ['server', 'malformed_response']);
    }
  });

  it('an SSE body ending inside an event → stream_interrupted', () => {
    assert.equal(
      mapGeminiError(new Error('Incomplete JSON segment at the end'), { ...request, phase: 'stream' }).kind,
      'stream_interrupted',
    );
  });

  it('passes UpstreamFailures through and classifies anything else', () => {
    const own = new UpstreamFailure({ provider: 'gemini', kind: 'content_filter', message: 'x' });
    assert.equal(mapGeminiError(own, request), own);
    assert.equal(mapGeminiError(new Error('contents are required'), request).kind, 'server');
    assert.equal(mapGeminiError('weird', { ...request, phase: 'stream' }).kind, 'stream_interrupted');
  });
});

describe('parseGeminiErrorBody', () => {
  it('reads the envelope from plain JSON, a "got status" prefix, or a streamed JSON array', () => {
    const body = geminiError(429, 'RESOURCE_EXHAUSTED', 'slow', [{ '@type': 't' }]);
    const expected = { code: 429, message: 'slow', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 't' }] };
    assert.deepEqual(parseGeminiErrorBody(JSON.stringify(body)), expected);
    assert.deepEqual(parseGeminiErrorBody(`got status: RESOURCE_EXHAUSTED. ${JSON.stringify(body)}`), expected);
    assert.deepEqual(parseGeminiErrorBody(JSON.stringify([body])), expected);
    assert.equal(parseGeminiErrorBody('no json here'), undefined);
    assert.equal(parseGeminiErrorBody('{"broken"'), undefined);
    assert.equal(parseGeminiErrorBody('{"not":"an error"}'), undefined);
  });
});
