/**
 * A loopback Anthropic: POST /v1/messages (JSON and SSE) and GET /v1/models (the key checks' call), in the
 * API's exact wire format.
 *
 * Sources for every shape below:
 * - the SDK's types, node_modules/@anthropic-ai/sdk/resources/messages/messages.d.ts: `Message` (id, type,
 *   role, content, model, stop_reason, stop_sequence, stop_details, container, diagnostics, usage), `Usage`
 *   (input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens, cache_creation,
 *   server_tool_use, service_tier, ...), `TextBlock` (citations), `ToolUseBlock` (id, name, input, caller
 *   {type: 'direct'}), `StopReason`, and the stream events `RawMessageStartEvent`,
 *   `RawContentBlockStartEvent`, `RawContentBlockDeltaEvent` (`TextDelta`, `InputJSONDelta`),
 *   `RawContentBlockStopEvent`, `RawMessageDeltaEvent` (delta {stop_reason, stop_sequence, stop_details,
 *   container}, `MessageDeltaUsage`) and `RawMessageStopEvent`;
 * - the SDK's SSE reader, node_modules/@anthropic-ai/sdk/src/core/streaming.ts: `event: ping` is skipped, an
 *   `event: error` frame is thrown as an APIError typed by its `error.type`;
 * - the streaming guide, https://platform.claude.com/docs/en/build-with-claude/streaming ("Event types":
 *   message_start with an empty content list, then per block content_block_start / one or more
 *   content_block_delta / content_block_stop, one or more message_delta with cumulative usage, message_stop;
 *   ping events "dispersed throughout"; "Error events": `event: error` with `overloaded_error`; in the
 *   tool-use example the first `input_json_delta` has `"partial_json": ""`);
 * - the errors reference, https://platform.claude.com/docs/en/api/errors (the envelope
 *   `{"type":"error","error":{"type","message"},"request_id"}`, the status/type pairs 400 invalid_request_error
 *   ... 529 overloaded_error, the `request-id` header), and for spend limits the `error.details.error_code`
 *   values of node_modules/@anthropic-ai/sdk/src/core/error-classes.ts (`429 enforced_spend_limit_reached`);
 * - the rate-limits reference, https://platform.claude.com/docs/en/api/rate-limits ("Response headers":
 *   `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`, resets in
 *   RFC 3339, `retry-after` in seconds on 429).
 */
import {
  bearer,
  type Fault,
  MockUpstream,
  type ProviderWire,
  readRecord,
  type Script,
  sseFrame,
} from './mock-upstream.ts';

export const ANTHROPIC_MOCK_DEFAULT_SCRIPT: Script = {
  text: ['Hello', ' from', ' Claude.'],
  usage: { input: 12, output: 6 },
};

export async function startAnthropicMock(): Promise<MockUpstream> {
  return new MockUpstream(anthropicWire, ANTHROPIC_MOCK_DEFAULT_SCRIPT).start();
}

/**
 * Anthropic's error envelope. `status` is not part of the body (the HTTP status carries it); it is taken so
 * that every mock's error helper has the same shape. `details` is the optional `error.details` object
 * (`{error_code}`) newer errors carry.
 */
export function anthropicError(
  status: number,
  type: string,
  message: string,
  details?: { error_code: string },
): unknown {
  void status;
  return {
    type: 'error',
    error: details ? { type, message, details } : { type, message },
    request_id: mintId('req_'),
  };
}

/** Canned faults with the messages Anthropic sends (errors reference and captured responses). */
export const anthropicFaults = {
  invalidApiKey(): Fault {
    return statusFault(401, anthropicError(401, 'authentication_error', 'invalid x-api-key'));
  },
  billing(): Fault {
    return statusFault(
      402,
      anthropicError(402, 'billing_error', 'Your organization has an unpaid balance; billing is on hold.'),
    );
  },
  creditBalanceTooLow(): Fault {
    return statusFault(
      400,
      anthropicError(
        400,
        'invalid_request_error',
        'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
      ),
    );
  },
  permission(): Fault {
    return statusFault(
      403,
      anthropicError(403, 'permission_error', 'Your API key does not have permission to use the specified resource.'),
    );
  },
  modelNotFound(model = 'claude-nonexistent'): Fault {
    return statusFault(404, anthropicError(404, 'not_found_error', `model: ${model}`));
  },
  promptTooLong(): Fault {
    return statusFault(
      400,
      anthropicError(400, 'invalid_request_error', 'prompt is too long: 215473 tokens > 200000 maximum'),
    );
  },
  badRequest(
    message = 'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row',
  ): Fault {
    return statusFault(400, anthropicError(400, 'invalid_request_error', message));
  },
  requestTooLarge(): Fault {
    return statusFault(
      413,
      anthropicError(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.'),
    );
  },
  /** 429 "wait": `retry-after` in seconds and the exhausted budget in the rate-limit headers. */
  rateLimited(retryAfterSeconds = 7): Fault {
    return statusFault(
      429,
      anthropicError(
        429,
        'rate_limit_error',
        'This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.',
      ),
      { 'retry-after': String(retryAfterSeconds), ...rateLimitHeaders({ requestsRemaining: 0 }) },
    );
  },
  /** 429 "billing": the monthly spend limit; no retry-after, waiting does not help. */
  spendLimit(): Fault {
    return statusFault(
      429,
      anthropicError(
        429,
        'rate_limit_error',
        'This organization has reached its monthly spend limit for its usage tier.',
        { error_code: 'enforced_spend_limit_reached' },
      ),
    );
  },
  serverError(): Fault {
    return statusFault(500, anthropicError(500, 'api_error', 'Internal server error'));
  },
  gatewayTimeout(): Fault {
    return statusFault(504, anthropicError(504, 'timeout_error', 'Request timed out'));
  },
  /** 529: Anthropic-wide overload. */
  overloaded(retryAfterSeconds?: number): Fault {
    const body = anthropicError(529, 'overloaded_error', 'Overloaded');
    return retryAfterSeconds === undefined
      ? statusFault(529, body)
      : statusFault(529, body, { 'retry-after': String(retryAfterSeconds) });
  },
  /** After `afterEvents` frames, an in-stream `event: error` overloaded_error, then the stream ends. */
  streamOverloaded(afterEvents = 3): Fault {
    return { kind: 'stream-error', afterEvents, error: anthropicError(200, 'overloaded_error', 'Overloaded') };
  },
};

function statusFault(code: number, body: unknown, headers?: Record<string, string>): Fault {
  return {
    kind: 'status',
    status: code,
    body,
    headers: { 'request-id': mintId('req_'), 'x-should-retry': String(code === 429 || code >= 500), ...headers },
  };
}

export const anthropicWire: ProviderWire = {
  name: 'anthropic',

  match(method, path, body) {
    const route = path.split('?')[0];
    if (method === 'POST' && route === '/v1/messages') return { stream: readRecord(body)?.stream === true };
    if (method === 'GET' && route === '/v1/models') return { stream: false, listing: true };
    return undefined;
  },

  /** The SDK 1.x sends `Authorization: Bearer <key>`; older clients `x-api-key`. */
  credential(headers) {
    return bearer(headers.authorization) ?? headers['x-api-key'];
  },

  invalidKeyFault() {
    return anthropicFaults.invalidApiKey();
  },

  render(script, request) {
    if (request.path.split('?')[0] === '/v1/models')
      return { json: modelPage(), headers: { 'request-id': mintId('req_') } };
    const answer = buildAnswer(script, readRecord(request.body) ?? {});
    const headers = { 'request-id': mintId('req_'), ...rateLimitHeaders({}) };
    if (!request.stream) return { json: renderMessage(answer), headers };
    return { sse: renderEvents(answer), headers };
  },

  streamErrorFrame(error) {
    return sseFrame(JSON.stringify(error), 'error');
  },

  malformedFrame() {
    return sseFrame(
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"tru',
      'content_block_delta',
    );
  },

  notFoundBody(path) {
    return anthropicError(404, 'not_found_error', `Not found: ${path}`);
  },
};

/** A page of `GET /v1/models` (the SDK's `ModelInfo` objects in a `Page`: data, has_more, first_id, last_id). */
function modelPage(): unknown {
  const model = {
    type: 'model',
    id: 'claude-sonnet-4-5-20250929',
    display_name: 'Claude Sonnet 4.5',
    created_at: '2025-09-29T00:00:00Z',
    capabilities: null,
    deprecated_at: null,
    lifecycle: 'active',
    line: null,
    max_input_tokens: 200000,
    max_tokens: 64000,
    retires_at: null,
  };
  return { data: [model], has_more: true, first_id: model.id, last_id: model.id };
}

/** What the mock answers, already in Anthropic terms. */
interface Answer {
  id: string;
  model: string;
  text: string[];
  toolUses: Array<{ id: string; name: string; input: Record<string, unknown> }>;
  stopReason: string;
  stopSequence: string | null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens: number;
    cache_creation_input_tokens: number;
  };
}

const NATIVE_STOP: Readonly<Record<NonNullable<Script['finish']>, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

function buildAnswer(script: Script, body: Record<string, unknown>): Answer {
  // Tool calls only make sense when the request offered tools, as with the real API.
  const offeredTools = Array.isArray(body.tools) && body.tools.length > 0;
  const toolUses = offeredTools
    ? (script.toolCalls ?? []).map((call) => ({ id: mintId('toolu_'), name: call.name, input: call.arguments }))
    : [];
  const stopReason = script.nativeFinish ?? NATIVE_STOP[script.finish ?? (toolUses.length > 0 ? 'tool_calls' : 'stop')];
  const stopSequences = body.stop_sequences;
  const firstStop = Array.isArray(stopSequences) && typeof stopSequences[0] === 'string' ? stopSequences[0] : null;
  // The neutral script counts the whole prompt with `cached` as part of it (OpenAI's view); Anthropic's
  // input_tokens excludes cache reads, which are reported apart.
  const cached = script.usage?.cached ?? 0;
  return {
    id: mintId('msg_'),
    model: typeof body.model === 'string' ? body.model : 'claude-sonnet-4-6',
    text: script.text ?? [],
    toolUses,
    stopReason,
    stopSequence: stopReason === 'stop_sequence' ? firstStop : null,
    usage: {
      input_tokens: (script.usage?.input ?? 10) - cached,
      output_tokens: script.usage?.output ?? 5,
      cache_read_input_tokens: cached,
      cache_creation_input_tokens: 0,
    },
  };
}

function fullUsage(usage: Answer['usage']): Record<string, unknown> {
  return {
    ...usage,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'standard',
    speed: null,
  };
}

function textBlock(text: string): Record<string, unknown> {
  return { type: 'text', text, citations: null };
}

function toolUseBlock(tool: Answer['toolUses'][number], input: Record<string, unknown>): Record<string, unknown> {
  return { type: 'tool_use', id: tool.id, name: tool.name, input, caller: { type: 'direct' } };
}

function messageEnvelope(
  answer: Answer,
  content: unknown[],
  stopReason: string | null,
  usage: Record<string, unknown>,
) {
  return {
    id: answer.id,
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopReason === null ? null : answer.stopSequence,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage,
  };
}

function renderMessage(answer: Answer): unknown {
  const content: unknown[] = [];
  if (answer.text.length > 0) content.push(textBlock(answer.text.join('')));
  for (const tool of answer.toolUses) content.push(toolUseBlock(tool, tool.input));
  return messageEnvelope(answer, content, answer.stopReason, fullUsage(answer.usage));
}

function renderEvents(answer: Answer): string[] {
  const frames: string[] = [];
  const emit = (type: string, data: Record<string, unknown>) =>
    frames.push(sseFrame(JSON.stringify({ type, ...data }), type));

  // message_start: empty content, input usage known, output counted so far (1), stop_reason still null.
  emit('message_start', {
    message: messageEnvelope(answer, [], null, fullUsage({ ...answer.usage, output_tokens: 1 })),
  });
  let index = 0;
  if (answer.text.length > 0) {
    emit('content_block_start', { index, content_block: textBlock('') });
    frames.push(sseFrame(JSON.stringify({ type: 'ping' }), 'ping'));
    for (const piece of answer.text) emit('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
    emit('content_block_stop', { index });
    index++;
  }
  for (const tool of answer.toolUses) {
    emit('content_block_start', { index, content_block: toolUseBlock(tool, {}) });
    if (index === 0) frames.push(sseFrame(JSON.stringify({ type: 'ping' }), 'ping'));
    for (const fragment of jsonFragments(tool.input)) {
      emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: fragment } });
    }
    emit('content_block_stop', { index });
    index++;
  }
  emit('message_delta', {
    delta: { stop_reason: answer.stopReason, stop_sequence: answer.stopSequence, stop_details: null, container: null },
    usage: { ...answer.usage, output_tokens_details: null, server_tool_use: null },
  });
  emit('message_stop', {});
  return frames;
}

/** The input JSON as Anthropic streams it: an empty first fragment, then the text in a few pieces. */
export function jsonFragments(input: Record<string, unknown>): string[] {
  const json = JSON.stringify(input);
  const size = Math.max(1, Math.ceil(json.length / 3));
  const pieces = [''];
  for (let at = 0; at < json.length; at += size) pieces.push(json.slice(at, at + size));
  return pieces;
}

/** The budget the mock reports: plenty left, resets a minute from now (RFC 3339, second precision). */
function rateLimitHeaders(overrides: { requestsRemaining?: number }): Record<string, string> {
  const reset = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const headers: Record<string, string> = {};
  const budgets: Array<[string, number, number]> = [
    ['requests', 50, overrides.requestsRemaining ?? 49],
    ['tokens', 90_000, 89_000],
    ['input-tokens', 50_000, 49_500],
    ['output-tokens', 40_000, 39_500],
  ];
  for (const [name, limit, remaining] of budgets) {
    headers[`anthropic-ratelimit-${name}-limit`] = String(limit);
    headers[`anthropic-ratelimit-${name}-remaining`] = String(remaining);
    headers[`anthropic-ratelimit-${name}-reset`] = reset;
  }
  return headers;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Ids shaped like Anthropic's (`msg_01…`, `toolu_01…`, `req_01…`: a version digit pair and base62). */
function mintId(prefix: string): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(22));
  let out = `${prefix}01`;
  for (const byte of bytes) out += ID_ALPHABET[byte % ID_ALPHABET.length];
  return out;
}
