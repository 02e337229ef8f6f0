/**
 * The Provider contract: the only thing routing knows about an upstream.
 *
 * A provider turns a validated OpenAI chat request into one upstream call and gives back an OpenAI-shaped
 * result (a JSON body, or an async stream of `chat.completion.chunk` objects). It knows nothing of health,
 * retries or other providers; every failure it produces is an `UpstreamFailure`.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { HttpTransport } from './shared/http-transport.ts';

export type { ChatCompletion, ChatCompletionChunk, CompletionUsage };

/**
 * A chat request as the client sent it, after validation. Fields the gateway does not know are kept
 * (the OpenAI passthrough forwards them), hence the index signature.
 */
export type ChatRequest = ChatCompletionCreateParams & { [field: string]: unknown };

/** Something the target could not honour exactly, reported to the client in `x-switchyard-warnings`. */
export interface Warning {
  /** The request field concerned, e.g. `seed` or `logit_bias`. */
  param: string;
  /** A short human explanation, e.g. "Anthropic has no seed; ignored". */
  message: string;
}

/** Rate-limit state an upstream reported on a response, normalised (used by limits/ and health/). */
export interface RateLimitSnapshot {
  /** The key's request and token budgets as the upstream states them (per minute for OpenAI and Anthropic). */
  limitRequests?: number;
  limitTokens?: number;
  remainingRequests?: number;
  remainingTokens?: number;
  /** Milliseconds until the request budget resets. */
  resetRequestsMs?: number;
  /** Milliseconds until the token budget resets. */
  resetTokensMs?: number;
}

export interface ProviderCall {
  /** The validated client request. Providers must not mutate it. */
  request: ChatRequest;
  /** The model to ask this provider for (routing resolved aliases and fallbacks). */
  model: string;
  /** True when the provider should answer with a stream of chunks (may differ from request.stream). */
  stream: boolean;
  /** Whether a stream should end with a usage chunk (`choices: []`). */
  includeUsage: boolean;
  /** Aborted when the client disconnects, the attempt times out or the deadline passes. */
  signal: AbortSignal;
  /**
   * Upper bound for this attempt's HTTP call, for SDKs that take a timeout of their own. Routing also aborts
   * `signal` at every bound, which is all the passthrough relies on.
   */
  timeoutMs: number;
  /**
   * The client opted in to reasoning (`include_reasoning`, or the route's `includeReasoning`): translating
   * providers add the model's thinking as `reasoning_content` on the message and on deltas. Off (the
   * default), the answer has exactly OpenAI's fields.
   */
  includeReasoning?: boolean;
  /**
   * The caller can relay the upstream's own event stream to the client as it came (a streaming client): a
   * passthrough may then answer `type: 'sse'` instead of parsed chunks.
   */
  relay?: boolean;
}

/**
 * A slice of an upstream's own event stream, relayed to the client byte for byte: only whole events, as
 * many as one network read completed, with what routing needs to know of them.
 */
export interface RawSseBatch {
  bytes: Uint8Array;
  /** An event here is the first to carry part of the answer (the streaming commit point). */
  token: boolean;
  /** An event here carries a `finish_reason`. */
  finish: boolean;
  /** The upstream's `data: [DONE]` ends this batch: the stream is complete. */
  done: boolean;
  usage?: CompletionUsage;
}

export type ProviderResult =
  | {
      type: 'json';
      body: ChatCompletion;
      /** The upstream's own JSON text, when the body is relayed as it came (the passthrough). */
      raw?: string;
      warnings: Warning[];
      rateLimit?: RateLimitSnapshot;
    }
  | {
      type: 'stream';
      /**
       * OpenAI chunks as they arrive. The iterator throws an `UpstreamFailure` when the upstream fails
       * mid-stream (an in-stream error event, a dropped connection, malformed data). Returning from the
       * iteration early (`return()`) must cancel the upstream request.
       */
      chunks: AsyncIterable<ChatCompletionChunk>;
      warnings: Warning[];
      rateLimit?: RateLimitSnapshot;
    }
  | {
      type: 'sse';
      /** The upstream's events as they arrive; throws like `chunks`, and `return()` cancels the same way. */
      batches: AsyncIterable<RawSseBatch>;
      warnings: Warning[];
      rateLimit?: RateLimitSnapshot;
    };

export interface Provider {
  /** Registry name, e.g. `openai`, `anthropic`, `gemini`. */
  readonly name: string;
  /** Models to advertise in `GET /v1/models` when no route names them. */
  readonly defaultModel: string;
  /**
   * The provider relays an OpenAI-compatible upstream as it is, rather than translating: its JSON answer
   * loses nothing when it is not streamed internally (see the `streamInternally` policy).
   */
  readonly passthrough?: boolean;
  /** One upstream call. Rejects with `UpstreamFailure` (never a raw SDK error). */
  chat(call: ProviderCall): Promise<ProviderResult>;
  /**
   * The key check at start-up (providers/shared/check-key.ts): the cheapest authenticated call. Never
   * rejects; aborted by `signal` at the check's timeout.
   */
  checkKey?(signal: AbortSignal): Promise<KeyCheckResult>;
}

/** What a key check found: `bad` = the provider rejected the key; `unverified` = the check could not tell. */
export interface KeyCheckResult {
  state: 'ok' | 'bad' | 'unverified';
  /** The HTTP status, when there was an answer. */
  status?: number;
  /** Short and safe to show: `http_401 invalid_api_key`, `timeout`, `network`. */
  reason: string;
}

/** What a provider needs to be built: credentials and where to send them. */
export interface ProviderSettings {
  apiKey: string;
  /** The base URL exactly as the provider's official SDK takes it. Undefined means the SDK default. */
  baseURL?: string;
  /** Fallback model used when a route does not name one for this provider. */
  defaultModel?: string;
  /** How a provider that calls HTTP directly sends its requests (the entry injects the runtime's fastest). */
  transport?: HttpTransport;
}
