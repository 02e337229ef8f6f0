/**
 * A loopback OpenAI: POST /v1/chat/completions (JSON and SSE) and GET /v1/models, in OpenAI's wire format.
 *
 * Sources for every shape below:
 * - the SDK's types, node_modules/openai/resources/chat/completions/completions.d.ts (`ChatCompletion`,
 *   `ChatCompletionChunk`, `ChatCompletionMessage`, `ChatCompletionStreamOptions`) and
 *   node_modules/openai/resources/completions.d.ts (`CompletionUsage`), models.d.ts (`Model`);
 * - the API reference, https://platform.openai.com/docs/api-reference/chat (the chat completion object, the
 *   chunk object: "Each chunk has the same ID" and timestamp; with `stream_options.include_usage` "an
 *   additional chunk will be streamed before the `data: [DONE]` message ... the `choices` field will always be
 *   an empty array. All other chunks will also include a `usage` field, but with a null value"; `obfuscation`
 *   "is included by default and omitted when `stream_options.include_obfuscation` is `false`");
 * - the rate-limit guide, https://platform.openai.com/docs/guides/rate-limits ("Rate limits in headers":
 *   `x-ratelimit-reset-tokens: 6m0s`), and a captured response (openai-processing-ms, openai-version, x-request-id:
 *   https://community.openai.com/t/x-ratelimit-headers-missing/935514);
 * - a captured stream (key order id, object, created, model, service_tier, system_fingerprint, choices, obfuscation:
 *   https://github.com/dongri/openai-api-rs/pull/186), and the in-stream error frame `data: {"error":{...}}`
 *   that the SDK turns into an `APIError` (node_modules/openai/src/core/streaming.ts, `if (data && data.error)`);
 * - the error-codes guide, https://platform.openai.com/docs/guides/error-codes, for the canned errors.
 */
import {
  bearer,
  type Fault,
  MockUpstream,
  type ProviderWire,
  randomToken,
  readRecord,
  type Script,
  sseFrame,
} from './mock-upstream.ts';

export const OPENAI_MOCK_DEFAULT_SCRIPT: Script = {
  text: ['Hello', ' from', ' OpenAI.'],
  usage: { input: 12, output: 4 },
};

/** The fixed rate-limit state the mock reports on every successful answer. */
export const OPENAI_MOCK_RATE_LIMIT_HEADERS: Readonly<Record<string, string>> = {
  'x-ratelimit-limit-requests': '10000',
  'x-ratelimit-limit-tokens': '200000',
  'x-ratelimit-remaining-requests': '9999',
  'x-ratelimit-remaining-tokens': '199975',
  'x-ratelimit-reset-requests': '6ms',
  'x-ratelimit-reset-tokens': '7ms',
};

const MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'];

/**
 * A model this mock's organization may not stream: `stream: true` gets OpenAI's 400 for unverified
 * organizations (param `stream`, code `unsupported_value`), a plain request is answered.
 */
export const UNSTREAMABLE_MODEL = 'o3-unverified-org';

function streamRefusal(): unknown {
  return openaiError(
    400,
    'Your organization must be verified to stream this model. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization. If you just verified, it can take up to 15 minutes for access to propagate.',
    'invalid_request_error',
    'unsupported_value',
    'stream',
  );
}

export async function startOpenAIMock(): Promise<MockUpstream> {
  return new MockUpstream(openaiWire, OPENAI_MOCK_DEFAULT_SCRIPT).start();
}

/**
 * OpenAI's error envelope, `{"error":{"message","type","param","code"}}`. `status` is not part of the body
 * (the HTTP status carries it); it is taken so that every mock's error helper has the same signature.
 */
export function openaiError(
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): unknown {
  void status;
  return { error: { message, type, param, code } };
}

/** Canned faults as OpenAI sends them (messages from the error-codes guide and captured responses). */
export const openaiFaults = {
  /** 401 whose message echoes the masked key, as OpenAI's does. */
  invalidApiKey(maskedKey = 'sk-proj-****abcd'): Fault {
    return statusFault(
      401,
      openaiError(
        401,
        `Incorrect API key provided: ${maskedKey}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      ),
    );
  },
  /** 429 "wait": rate_limit_exceeded with `retry-after` (seconds) and optionally `retry-after-ms`. */
  rateLimited(
    options: { retryAfterSeconds?: number; retryAfterMs?: number; headers?: Record<string, string> } = {},
  ): Fault {
    const headers: Record<string, string> = {
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '120ms',
      'x-ratelimit-limit-tokens': '200000',
      'x-ratelimit-remaining-tokens': '199500',
      'x-ratelimit-reset-tokens': '150ms',
      ...options.headers,
    };
    if (options.retryAfterSeconds !== undefined) headers['retry-after'] = String(options.retryAfterSeconds);
    if (options.retryAfterMs !== undefined) headers['retry-after-ms'] = String(options.retryAfterMs);
    return statusFault(
      429,
      openaiError(
        429,
        'Rate limit reached for gpt-4o-mini in organization org-mock on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.',
        'requests',
        'rate_limit_exceeded',
      ),
      headers,
    );
  },
  /** 429 "billing": waiting does not help. */
  insufficientQuota(): Fault {
    return statusFault(
      429,
      openaiError(
        429,
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
        'insufficient_quota',
        'insufficient_quota',
      ),
    );
  },
  /** 400 blaming a parameter, e.g. temperature 3. */
  badParam(param = 'temperature'): Fault {
    return statusFault(
      400,
      openaiError(
        400,
        `Invalid '${param}': decimal above maximum value. Expected a value <= 2, but got 3 instead.`,
        'invalid_request_error',
        'decimal_above_max_value',
        param,
      ),
    );
  },
  contextLengthExceeded(): Fault {
    return statusFault(
      400,
      openaiError(
        400,
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.",
        'invalid_request_error',
        'context_length_exceeded',
        'messages',
      ),
    );
  },
  modelNotFound(model = 'gpt-nonexistent'): Fault {
    return statusFault(
      404,
      openaiError(
        404,
        `The model \`${model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
      ),
    );
  },
  serverError(): Fault {
    return statusFault(
      500,
      openaiError(
        500,
        'The server had an error while processing your request. Sorry about that!',
        'server_error',
        null,
      ),
    );
  },
  overloaded(): Fault {
    return statusFault(
      503,
      openaiError(
        503,
        'The server is overloaded, please try again later.',
        'service_unavailable_error',
        'server_is_overloaded',
      ),
    );
  },
  /** After `afterEvents` frames, an in-stream `server_error` event. */
  streamServerError(afterEvents = 2): Fault {
    return {
      kind: 'stream-error',
      afterEvents,
      error: openaiError(
        200,
        'The server had an error while processing your request. Sorry about that!',
        'server_error',
        null,
      ),
    };
  },
};

function statusFault(status: number, body: unknown, headers?: Record<string, string>): Fault {
  return headers ? { kind: 'status', status, body, headers } : { kind: 'status', status, body };
}

export const openaiWire: ProviderWire = {
  name: 'openai',

  match(method, path, body) {
    const route = path.split('?')[0];
    if (method === 'POST' && route === '/v1/chat/completions') return { stream: readRecord(body)?.stream === true };
    if (method === 'GET' && route === '/v1/models') return { stream: false, listing: true };
    return undefined;
  },

  credential(headers) {
    return bearer(headers.authorization);
  },

  invalidKeyFault() {
    return openaiFaults.invalidApiKey();
  },

  render(script, request) {
    if (request.path.split('?')[0] === '/v1/models') return { json: modelList(), headers: responseHeaders() };
    const context = completionContext(request.body);
    if (request.stream && context.model === UNSTREAMABLE_MODEL)
      return { json: streamRefusal(), status: 400, headers: responseHeaders() };
    if (!request.stream) return { json: renderCompletion(script, context), headers: responseHeaders() };
    return { sse: renderChunks(script, context), headers: responseHeaders() };
  },

  streamErrorFrame(error) {
    const envelope = readRecord(error)?.error !== undefined ? error : { error };
    return sseFrame(JSON.stringify(envelope));
  },

  malformedFrame() {
    return sseFrame(
      '{"id":"chatcmpl-broken","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"tru',
    );
  },

  notFoundBody(path) {
    return openaiError(404, `Invalid URL (${path})`, 'invalid_request_error', null);
  },
};

interface CompletionContext {
  id: string;
  created: number;
  model: string;
  fingerprint: string;
  includeUsage: boolean;
  obfuscate: boolean;
}

function completionContext(body: unknown): CompletionContext {
  const request = readRecord(body) ?? {};
  const streamOptions = readRecord(request.stream_options) ?? {};
  return {
    id: `chatcmpl-${randomToken(29)}`,
    created: Math.floor(Date.now() / 1000),
    model: typeof request.model === 'string' ? request.model : 'gpt-4o-mini',
    fingerprint: 'fp_0ba0d124f1',
    includeUsage: streamOptions.include_usage === true,
    obfuscate: streamOptions.include_obfuscation !== false,
  };
}

function responseHeaders(): Record<string, string> {
  return {
    'x-request-id': `req_${randomHex(32)}`,
    'openai-processing-ms': String(120 + Math.floor(Math.random() * 300)),
    'openai-version': '2020-10-01',
    ...OPENAI_MOCK_RATE_LIMIT_HEADERS,
  };
}

function finishReason(script: Script): string {
  return script.nativeFinish ?? script.finish ?? (script.toolCalls?.length ? 'tool_calls' : 'stop');
}

function usageOf(script: Script): Record<string, unknown> {
  const usage = script.usage ?? {
    input: 10,
    output: (script.text?.length ?? 0) + (script.toolCalls?.length ?? 0) * 10,
  };
  return {
    prompt_tokens: usage.input,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

interface RenderedToolCall {
  id: string;
  name: string;
  arguments: string;
}

function toolCallsOf(script: Script): RenderedToolCall[] {
  return (script.toolCalls ?? []).map((call) => ({
    id: `call_${randomToken(24)}`,
    name: call.name,
    arguments: JSON.stringify(call.arguments),
  }));
}

function renderCompletion(script: Script, context: CompletionContext): Record<string, unknown> {
  const toolCalls = toolCallsOf(script);
  const text = script.text?.join('') ?? '';
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) {
    message.tool_calls = toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  message.annotations = [];
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(script) }],
    usage: usageOf(script),
    service_tier: 'default',
    system_fingerprint: context.fingerprint,
  };
}

/**
 * The SSE frames: role chunk, content deltas, tool-call deltas (header with index, id, type, name and empty
 * arguments, then argument fragments under the same index), finish chunk with an empty delta, the usage
 * chunk when asked, `[DONE]`. A tool-only answer carries the first tool call in the role chunk, with
 * `content: null`, as OpenAI does.
 */
function renderChunks(script: Script, context: CompletionContext): string[] {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string => {
    const body: Record<string, unknown> = {
      id: context.id,
      object: 'chat.completion.chunk',
      created: context.created,
      model: context.model,
      service_tier: 'default',
      system_fingerprint: context.fingerprint,
      choices,
    };
    if (context.includeUsage) body.usage = null;
    Object.assign(body, extra);
    if (context.obfuscate) body.obfuscation = randomToken(3 + Math.floor(Math.random() * 10));
    return sseFrame(JSON.stringify(body));
  };
  const delta = (value: Record<string, unknown>, finish: string | null = null): string =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finish }]);

  const frames: string[] = [];
  const pieces = script.text ?? [];
  const toolCalls = toolCallsOf(script);
  const header = (call: RenderedToolCall, index: number) => ({
    index,
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: '' },
  });

  const firstCall = toolCalls[0];
  const toolCallsInRoleChunk = pieces.length === 0 && firstCall !== undefined;
  if (toolCallsInRoleChunk) {
    frames.push(delta({ role: 'assistant', content: null, tool_calls: [header(firstCall, 0)], refusal: null }));
  } else {
    frames.push(delta({ role: 'assistant', content: '', refusal: null }));
  }
  for (const piece of pieces) frames.push(delta({ content: piece }));
  toolCalls.forEach((call, index) => {
    if (!(toolCallsInRoleChunk && index === 0)) frames.push(delta({ tool_calls: [header(call, index)] }));
    for (const fragment of splitArguments(call.arguments)) {
      frames.push(delta({ tool_calls: [{ index, function: { arguments: fragment } }] }));
    }
  });
  frames.push(delta({}, finishReason(script)));
  if (context.includeUsage) frames.push(chunk([], { usage: usageOf(script) }));
  frames.push(sseFrame('[DONE]'));
  return frames;
}

/** Arguments arrive in token-sized fragments; a fixed width is enough to exercise reassembly. */
function splitArguments(text: string, width = 6): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += width) out.push(text.slice(i, i + width));
  return out;
}

function modelList(): Record<string, unknown> {
  return {
    object: 'list',
    data: MODELS.map((id) => ({ id, object: 'model', created: 1721172741, owned_by: 'system' })),
  };
}

function randomHex(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(Math.random() * 16).toString(16);
  return out;
}
