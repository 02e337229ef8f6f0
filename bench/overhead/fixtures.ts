/**
 * The wire traffic of the benchmark, in OpenAI's format (node_modules/openai/resources/chat/completions/
 * completions.d.ts: ChatCompletion, ChatCompletionChunk; resources/completions.d.ts: CompletionUsage):
 * a realistic chat request, a pre-serialised completion with usage, and the SSE frames of a stream
 * (role chunk, content chunks, finish chunk, usage chunk when asked, `data: [DONE]`).
 */

export const MODEL = 'gpt-4o-mini';
const SERVED_MODEL = 'gpt-4o-mini-2024-07-18';
const COMPLETION_ID = 'chatcmpl-BenchA1b2C3d4E5f6G7h8I9j0KlMnO';
const FINGERPRINT = 'fp_0ba0d124f1';
const CREATED = 1767225600;

/** About 120 tokens of answer: the size of a typical short chat reply. */
const ANSWER =
  'A circuit breaker stops sending traffic to a dependency that keeps failing, so that callers fail fast ' +
  'instead of piling up behind timeouts. It counts recent failures in a sliding window; when the failure ' +
  'rate crosses a threshold it opens, rejects calls for a cool-down period, then lets a few probe requests ' +
  'through. If the probes succeed it closes again and normal traffic resumes; if they fail it stays open. ' +
  'Pair it with retries that back off with jitter and with a deadline for the whole request, so that a ' +
  'slow dependency cannot hold resources longer than the caller is willing to wait.';

/** The words of the answer, one per streamed content chunk (as a model emits tokens). */
export const ANSWER_TOKENS: readonly string[] = ANSWER.split(/(?= )/);

/**
 * Marks a streamed request whose answer the upstream should pace (TTFB, then one chunk per interval).
 * `metadata` is OpenAI's own free-form request field, and a passthrough forwards it as it came; any other
 * stream (e.g. one a gateway opens to serve a JSON request) is answered at once, in full.
 */
export const PACED_METADATA = { bench_pacing: 'paced' } as const;

/** A request body as a chat client sends it: system prompt, a short conversation, sampling settings. */
export function chatRequestBody(options: { stream: boolean; maxTokens: number; paced?: boolean }): string {
  return JSON.stringify({
    model: MODEL,
    messages: [
      {
        role: 'system',
        content: 'You are a concise assistant for backend engineers. Answer in one paragraph, no lists.',
      },
      { role: 'user', content: 'What does a retry budget protect against in a service mesh?' },
      {
        role: 'assistant',
        content:
          'It caps retries to a share of normal traffic, so that retries cannot multiply load on a struggling service and turn a partial outage into a full one.',
      },
      { role: 'user', content: 'And what does a circuit breaker add on top of that? Keep it short.' },
    ],
    temperature: 0.7,
    max_tokens: options.maxTokens,
    ...(options.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    ...(options.paced ? { metadata: PACED_METADATA } : {}),
  });
}

const PROMPT_TOKENS = 96;

function usage(completionTokens: number): Record<string, unknown> {
  return {
    prompt_tokens: PROMPT_TOKENS,
    completion_tokens: completionTokens,
    total_tokens: PROMPT_TOKENS + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function completionJson(): string {
  return JSON.stringify({
    id: COMPLETION_ID,
    object: 'chat.completion',
    created: CREATED,
    model: SERVED_MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: ANSWER, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: usage(ANSWER_TOKENS.length),
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  });
}

/** Headers of a real OpenAI answer (request id, processing time, rate-limit state). */
export function upstreamHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'x-request-id': 'req_5f0c1e2d3b4a59687766554433221100',
    'openai-organization': 'org-bench',
    'openai-processing-ms': '212',
    'openai-version': '2020-10-01',
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-limit-tokens': '200000',
    'x-ratelimit-remaining-requests': '9999',
    'x-ratelimit-remaining-tokens': '199750',
    'x-ratelimit-reset-requests': '6ms',
    'x-ratelimit-reset-tokens': '75ms',
  };
}

function frame(data: string): string {
  return `data: ${data}\n\n`;
}

function chunk(choices: unknown[], includeUsage: boolean, extra: Record<string, unknown> = {}): string {
  return frame(
    JSON.stringify({
      id: COMPLETION_ID,
      object: 'chat.completion.chunk',
      created: CREATED,
      model: SERVED_MODEL,
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
      choices,
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
      obfuscation: 'x7Qp2',
    }),
  );
}

function deltaChunk(delta: Record<string, unknown>, finishReason: string | null, includeUsage: boolean): string {
  return chunk([{ index: 0, delta, logprobs: null, finish_reason: finishReason }], includeUsage);
}

/** Pre-serialised SSE frames, for a stream with and without `stream_options.include_usage`. */
export interface StreamFrames {
  role: string;
  /** Content frame i carries ANSWER_TOKENS[i % length]. */
  content: readonly string[];
  finish: string;
  /** Usage chunk for a stream of n content chunks (only with include_usage). */
  usage(contentChunks: number): string;
  done: string;
}

export function streamFrames(includeUsage: boolean): StreamFrames {
  return {
    role: deltaChunk({ role: 'assistant', content: '', refusal: null }, null, includeUsage),
    content: ANSWER_TOKENS.map((token) => deltaChunk({ content: token }, null, includeUsage)),
    finish: deltaChunk({}, 'stop', includeUsage),
    usage: (contentChunks) => chunk([], false, { usage: usage(contentChunks) }),
    done: frame('[DONE]'),
  };
}
