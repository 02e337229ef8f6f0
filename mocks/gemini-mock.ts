/**
 * A loopback Gemini (Gemini Developer API): POST /v1beta/models/{model}:generateContent (JSON) and
 * POST /v1beta/models/{model}:streamGenerateContent?alt=sse (SSE, `data:` lines only), the same under /v1/,
 * and GET /v1beta/models (the key checks' call).
 *
 * Sources for every shape below:
 * - the SDK's types, node_modules/@google/genai/dist/genai.d.ts (`GenerateContentResponse { candidates,
 *   promptFeedback, usageMetadata, modelVersion, responseId }`, `Candidate { content, finishReason, index }`,
 *   `Content { role, parts }`, `Part { text, functionCall }`, `FunctionCall { id?, name, args }`,
 *   `GenerateContentResponseUsageMetadata`, `enum FinishReason`), and the code that reads the wire,
 *   node_modules/@google/genai/dist/node/index.mjs (`ApiClient.processStreamResponse`: SSE events split on blank
 *   lines, `data:` prefix; `throwIfStreamErrorChunk`: an in-stream `{"error":{...}}` becomes an ApiError;
 *   `throwErrorIfNotOK`: the JSON error body becomes the ApiError message);
 * - the API reference, https://ai.google.dev/api/generate-content (generateContent, streamGenerateContent;
 *   `GenerateContentResponse`, `Candidate`, `UsageMetadata`), and https://ai.google.dev/api/caching#Content
 *   (`role` is `user` or `model`); that streamed usage is cumulative is stated by the SDK itself
 *   (dist/node/index.mjs, `StreamContinuation`: "each chunk's usageMetadata is the server's running total");
 * - the function-calling guide, https://ai.google.dev/gemini-api/docs/function-calling (function calls come
 *   whole, `{"functionCall": {"name", "args"}}`, without an id); the candidate still finishes with STOP, since
 *   `enum FinishReason` has no tool-call reason;
 * - errors: https://ai.google.dev/gemini-api/docs/troubleshooting (status table: 400 INVALID_ARGUMENT /
 *   FAILED_PRECONDITION, 403 PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED, 500 INTERNAL,
 *   503 UNAVAILABLE, 504 DEADLINE_EXCEEDED), the envelope `{"error":{"code","message","status","details"}}`
 *   with `type.googleapis.com/google.rpc.ErrorInfo` reason API_KEY_INVALID as the docs show it, and
 *   google/rpc/error_details.proto (https://github.com/googleapis/googleapis/blob/master/google/rpc/error_details.proto:
 *   `RetryInfo.retry_delay` a Duration, JSON "58s"; `QuotaFailure.violations[]` with `quotaMetric`, `quotaId`,
 *   `quotaDimensions`, `quotaValue`); the 429 details match captured responses
 *   (https://github.com/google-gemini/gemini-cli/issues/8437: QuotaFailure with per-minute and per-day quotaIds).
 * Gemini separates SSE events with "\r\n\r\n"; "\n\n" is used here, which the SDK splits the same way.
 */
import {
  type Fault,
  MockUpstream,
  type ProviderWire,
  randomToken,
  readRecord,
  type Script,
  sseFrame,
} from './mock-upstream.ts';

export const GEMINI_MOCK_DEFAULT_SCRIPT: Script = {
  text: ['Hello', ' from', ' Gemini.'],
  usage: { input: 8, output: 3 },
};

export async function startGeminiMock(): Promise<MockUpstream> {
  return new MockUpstream(geminiWire, GEMINI_MOCK_DEFAULT_SCRIPT).start();
}

/** Gemini's error envelope: `{"error":{"code","message","status","details"}}` (`details` only when given). */
export function geminiError(status: number, statusText: string, message: string, details?: unknown[]): unknown {
  return { error: { code: status, message, status: statusText, ...(details !== undefined ? { details } : {}) } };
}

const RATE_LIMIT_MESSAGE =
  'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit.';

/** Canned faults as Gemini sends them. */
export const geminiFaults = {
  /** A wrong key: a 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID, not a 401. */
  apiKeyInvalid(): Fault {
    const message = 'API key not valid. Please pass a valid API key.';
    return statusFault(
      400,
      geminiError(400, 'INVALID_ARGUMENT', message, [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message },
      ]),
    );
  },
  /** 429 on a per-minute quota, with RetryInfo (and optionally a Retry-After header, which Gemini rarely sends). */
  rateLimited(options: { retryDelay?: string; retryAfterSeconds?: number; model?: string } = {}): Fault {
    const details: unknown[] = [
      quotaFailure(
        'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
        'generate_content_free_tier_requests',
        options.model,
        '10',
      ),
      help(),
    ];
    if (options.retryDelay !== undefined)
      details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: options.retryDelay });
    const headers =
      options.retryAfterSeconds !== undefined ? { 'retry-after': String(options.retryAfterSeconds) } : undefined;
    return statusFault(429, geminiError(429, 'RESOURCE_EXHAUSTED', RATE_LIMIT_MESSAGE, details), headers);
  },
  /** 429 on the per-day quota (next to a per-minute one, as captured): waiting seconds does not help. */
  dailyQuotaExhausted(model = 'gemini-2.5-flash'): Fault {
    return statusFault(
      429,
      geminiError(429, 'RESOURCE_EXHAUSTED', RATE_LIMIT_MESSAGE, [
        quotaFailure(
          'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
          'generate_content_free_tier_requests',
          model,
          '10',
        ),
        quotaFailure(
          'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
          'generate_content_free_tier_requests',
          model,
          '250',
        ),
        help(),
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '21s' },
      ]),
    );
  },
  contextTooLong(): Fault {
    return statusFault(
      400,
      geminiError(
        400,
        'INVALID_ARGUMENT',
        'The input token count (1290234) exceeds the maximum number of tokens allowed (1048576).',
      ),
    );
  },
  badRequest(
    message = 'Invalid JSON payload received. Unknown name "foo" at \'generation_config\': Cannot find field.',
  ): Fault {
    return statusFault(400, geminiError(400, 'INVALID_ARGUMENT', message));
  },
  /** Free tier not available in the caller's region. */
  locationNotSupported(): Fault {
    return statusFault(400, geminiError(400, 'FAILED_PRECONDITION', 'User location is not supported for the API use.'));
  },
  /** 403; `echoKey` puts a key in the message, as Google does for suspended consumers. */
  permissionDenied(echoKey?: string): Fault {
    const message = echoKey
      ? `Permission denied: Consumer 'api_key:${echoKey}' has been suspended.`
      : "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";
    return statusFault(403, geminiError(403, 'PERMISSION_DENIED', message));
  },
  modelNotFound(model = 'gemini-nonexistent'): Fault {
    return statusFault(
      404,
      geminiError(
        404,
        'NOT_FOUND',
        `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
      ),
    );
  },
  internal(): Fault {
    return statusFault(
      500,
      geminiError(
        500,
        'INTERNAL',
        'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
      ),
    );
  },
  overloaded(): Fault {
    return statusFault(503, geminiError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'));
  },
  deadlineExceeded(): Fault {
    return statusFault(504, geminiError(504, 'DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.'));
  },
  /** After `afterEvents` frames, an in-stream error event (default 503 UNAVAILABLE). */
  streamError(
    afterEvents = 1,
    error: unknown = geminiError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
  ): Fault {
    return { kind: 'stream-error', afterEvents, error };
  },
};

function statusFault(status: number, body: unknown, headers?: Record<string, string>): Fault {
  return headers ? { kind: 'status', status, body, headers } : { kind: 'status', status, body };
}

function quotaFailure(quotaId: string, metric: string, model = 'gemini-2.5-flash', value: string): unknown {
  return {
    '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
    violations: [
      {
        quotaMetric: `generativelanguage.googleapis.com/${metric}`,
        quotaId,
        quotaDimensions: { location: 'global', model },
        quotaValue: value,
      },
    ],
  };
}

function help(): unknown {
  return {
    '@type': 'type.googleapis.com/google.rpc.Help',
    links: [
      { description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' },
    ],
  };
}

const CHAT_ROUTE = /^\/(v1|v1beta)\/models\/([^/:?]+):(generateContent|streamGenerateContent)$/;
const LIST_ROUTE = /^\/(v1|v1beta)\/models$/;

/** A page of `GET /v1beta/models` (ListModelsResponse: `models` of `Model`, `nextPageToken`). */
function modelList(): unknown {
  return {
    models: [
      {
        name: 'models/gemini-2.5-flash',
        version: '001',
        displayName: 'Gemini 2.5 Flash',
        description: 'Stable version of Gemini 2.5 Flash.',
        inputTokenLimit: 1048576,
        outputTokenLimit: 65536,
        supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
        temperature: 1,
        topP: 0.95,
        topK: 64,
        maxTemperature: 2,
        thinking: true,
      },
    ],
    nextPageToken: 'Chhtb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA==',
  };
}

export const geminiWire: ProviderWire = {
  name: 'gemini',

  match(method, path) {
    const [route = '', query = ''] = path.split('?');
    if (method === 'GET' && LIST_ROUTE.test(route)) return { stream: false, listing: true };
    const match = CHAT_ROUTE.exec(route);
    if (method !== 'POST' || !match) return undefined;
    if (match[3] === 'generateContent') return { stream: false };
    // Without alt=sse Gemini streams one JSON array; the SDK always asks for SSE, and so does this mock.
    return new URLSearchParams(query).get('alt') === 'sse' ? { stream: true } : undefined;
  },

  /** @google/genai sends the key in `x-goog-api-key`, never in the URL. */
  credential(headers) {
    return headers['x-goog-api-key'];
  },

  invalidKeyFault() {
    return geminiFaults.apiKeyInvalid();
  },

  render(script, request) {
    if (LIST_ROUTE.test(request.path.split('?')[0] ?? '')) return { json: modelList() };
    const model = CHAT_ROUTE.exec(request.path.split('?')[0] ?? '')?.[2] ?? 'gemini-2.5-flash';
    const answer = answerOf(script, request.body, model);
    return request.stream ? { sse: renderFrames(answer) } : { json: renderResponse(answer) };
  },

  streamErrorFrame(error) {
    return sseFrame(JSON.stringify(error));
  },

  malformedFrame() {
    return sseFrame('{"candidates": [{"content": {"parts": [{"text": "tru');
  },

  notFoundBody(path) {
    return geminiError(404, 'NOT_FOUND', `The requested URL ${path.split('?')[0]} was not found on this server.`);
  },
};

interface Answer {
  model: string;
  responseId: string;
  text: string[];
  functionCalls: Array<{ name: string; args: Record<string, unknown> }>;
  finishReason: string;
  usage: { input: number; output: number; cached?: number };
}

const NATIVE_FINISH: Record<NonNullable<Script['finish']>, string> = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  tool_calls: 'STOP', // Gemini has no tool-call finish reason
  content_filter: 'SAFETY',
};

function answerOf(script: Script, body: unknown, model: string): Answer {
  const functionCalls = requestHasTools(body)
    ? (script.toolCalls ?? []).map((call) => ({ name: call.name, args: call.arguments }))
    : [];
  const text = script.text ?? [];
  return {
    model,
    responseId: randomToken(23),
    text,
    functionCalls,
    finishReason: script.nativeFinish ?? NATIVE_FINISH[script.finish ?? 'stop'],
    usage: script.usage ?? { input: 8, output: text.length + functionCalls.length * 8 },
  };
}

function requestHasTools(body: unknown): boolean {
  const tools = readRecord(body)?.tools;
  return Array.isArray(tools) && tools.some((tool) => Array.isArray(readRecord(tool)?.functionDeclarations));
}

function usageMetadata(usage: Answer['usage'], output: number): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    promptTokenCount: usage.input,
    candidatesTokenCount: output,
    totalTokenCount: usage.input + output,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.input }],
  };
  if (usage.cached !== undefined) {
    metadata.cachedContentTokenCount = usage.cached;
    metadata.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: usage.cached }];
  }
  return metadata;
}

function candidate(parts: unknown[], finishReason: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (parts.length > 0) out.content = { parts, role: 'model' };
  if (finishReason !== undefined) out.finishReason = finishReason;
  out.index = 0;
  return out;
}

function functionCallParts(answer: Answer): unknown[] {
  return answer.functionCalls.map((call) => ({ functionCall: { name: call.name, args: call.args } }));
}

function renderResponse(answer: Answer): Record<string, unknown> {
  const joined = answer.text.join('');
  const parts = [...(joined !== '' ? [{ text: joined }] : []), ...functionCallParts(answer)];
  return {
    candidates: [candidate(parts, answer.finishReason)],
    usageMetadata: usageMetadata(answer.usage, answer.usage.output),
    modelVersion: answer.model,
    responseId: answer.responseId,
  };
}

/**
 * One frame per text piece, then one frame with every function call (whole, no ids); the finish reason rides on
 * the last frame, and every frame repeats the cumulative usage so far.
 */
function renderFrames(answer: Answer): string[] {
  const partsPerFrame: unknown[][] = answer.text.map((piece) => [{ text: piece }]);
  if (answer.functionCalls.length > 0) partsPerFrame.push(functionCallParts(answer));
  if (partsPerFrame.length === 0) partsPerFrame.push([{ text: '' }]);
  return partsPerFrame.map((parts, index) => {
    const last = index === partsPerFrame.length - 1;
    const output = last ? answer.usage.output : Math.round((answer.usage.output * (index + 1)) / partsPerFrame.length);
    return sseFrame(
      JSON.stringify({
        candidates: [candidate(parts, last ? answer.finishReason : undefined)],
        usageMetadata: usageMetadata(answer.usage, output),
        modelVersion: answer.model,
        responseId: answer.responseId,
      }),
    );
  });
}
