/**
 * The response cache around the chat handler. It sees only what the handler returns, the gateway's public
 * wire format (a JSON `chat.completion` body, or SSE `chat.completion.chunk` events ending in `[DONE]`), so it
 * does not care how routing or a provider produced it: a hit answers without calling the handler, a miss
 * calls it once per set of identical in-flight requests, reads its answer as it passes and stores it if it is
 * complete.
 */

import type { ChatCompletion } from '../../providers/types.ts';
import type { Clock } from '../clock.ts';
import type { GatewayConfig } from '../config/load-config.ts';
import { GatewayError } from '../gateway-error.ts';
import { bearerToken } from '../http/auth.ts';
import { newRequestId } from '../http/response-headers.ts';
import type { ValidChatRequest } from '../http/validate-request.ts';
import type { Logger } from '../telemetry/logger.ts';
import { cacheKey } from './cache-key.ts';
import type { CachedAnswer, CacheStore } from './cache-store.ts';
import { type Flight, Flights } from './coalesce-requests.ts';
import { type CacheDecision, decideCache } from './decide-cache.ts';
import { completeCompletion, SseRecorder } from './record-answer.ts';
import { chunksToSse, completionToChunks } from './replay-answer.ts';

/** One chat request as the HTTP layer received it (body already parsed as JSON). */
export interface ChatInput {
  /** The body as the client sent it (what the cache key is made of). */
  body: unknown;
  /** The same body after validation: the HTTP layer validates before the cache sees anything. */
  validated: ValidChatRequest;
  header(name: string): string | undefined;
  signal: AbortSignal;
}

export type AnswerChat = (input: ChatInput) => Promise<Response>;

export interface ResponseCacheDeps {
  config: GatewayConfig;
  store: CacheStore;
  clock: Clock;
  logger: Logger;
}

export type ResponseCache = (input: ChatInput, answer: AnswerChat) => Promise<Response>;

type CacheState = 'hit' | 'miss' | 'bypass';
type OnDecision = Extract<CacheDecision, { mode: 'on' }>;

interface Shape {
  model: string;
  stream: boolean;
  includeUsage: boolean;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

export function createResponseCache(deps: ResponseCacheDeps): ResponseCache {
  const { config, store, clock, logger } = deps;
  const flights = new Flights();

  return async function serveWithCache(input, answer) {
    const shape = readShape(input.body);
    if (!shape) return answer(input);
    const settings = config.routes.get(shape.model)?.cache ?? config.cache;
    const decision = decideCache(settings, config.cache, {
      ttl: input.header('x-switchyard-cache-ttl'),
      cacheControl: input.header('cache-control'),
    });
    if (decision.mode === 'off') return answer(input);
    if (decision.mode === 'error') {
      decision.error.headers['x-request-id'] = newRequestId();
      throw decision.error;
    }
    if (!decision.lookup && !decision.store) return labelled(await answer(input), 'bypass');

    const started = clock.now();
    const partition =
      decision.shareAcrossKeys || config.apiKeys.length === 0
        ? ''
        : `key:${bearerToken(input.header('authorization')) ?? ''}`;
    const key = cacheKey(input.body as Record<string, unknown>, partition);
    const needsUsage = !shape.stream || shape.includeUsage;
    if (decision.lookup) {
      const cached = await store.get(key).catch(() => undefined);
      const hit = cached && (cached.hasUsage || !needsUsage) ? replay(cached, shape, started, 'store') : undefined;
      if (hit) return hit;
      const flight = flights.find(key, needsUsage);
      if (flight) return follow(flight, input, answer, shape, started);
    }
    const flight = flights.start(key, needsUsage);
    if (!flight) return labelled(await answer(input), decision.lookup ? 'miss' : 'bypass');
    return lead(flight, key, decision, input, answer);
  };

  async function lead(
    flight: Flight,
    key: string,
    decision: OnDecision,
    input: ChatInput,
    answer: AnswerChat,
  ): Promise<Response> {
    const state: CacheState = decision.lookup ? 'miss' : 'bypass';
    const leave = flight.join(input.signal);
    let response: Response;
    try {
      response = await answer({ ...input, signal: flight.controller.signal });
    } catch (error) {
      flight.fail(error);
      throw error;
    }
    const keep = (completion: ChatCompletion | undefined, text?: string) => {
      if (!completion || flight.controller.signal.aborted) {
        flight.fail(new Error('no complete answer to share'));
        return;
      }
      const cached: CachedAnswer = {
        body: text ?? JSON.stringify(completion),
        hasUsage: completion.usage != null,
        storedAt: clock.now(),
        ...(response.headers.get('x-switchyard-provider')
          ? { provider: response.headers.get('x-switchyard-provider')! }
          : {}),
        ...(response.headers.get('x-switchyard-model') ? { model: response.headers.get('x-switchyard-model')! } : {}),
      };
      flight.succeed(cached);
      if (decision.store)
        store.set(key, cached, { ttlMs: decision.ttlMs, maxEntryBytes: decision.maxEntryBytes }).catch(() => undefined);
    };
    const contentType = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !response.body) {
      keep(undefined);
      return labelled(response, state);
    }
    if (!contentType.startsWith('text/event-stream')) {
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      keep(completeCompletion(parsed), text);
      leave();
      return new Response(text, { status: 200, headers: withCacheHeaders(response.headers, state) });
    }
    return new Response(pumpStream(response.body, new SseRecorder(decision.maxEntryBytes * 4), flight, leave, keep), {
      status: 200,
      headers: withCacheHeaders(response.headers, state),
    });
  }

  async function follow(
    flight: Flight,
    input: ChatInput,
    answer: AnswerChat,
    shape: Shape,
    started: number,
  ): Promise<Response> {
    const leave = flight.join(input.signal);
    const gone = new Promise<'gone'>((resolve) => {
      if (input.signal.aborted) resolve('gone');
      else input.signal.addEventListener('abort', () => resolve('gone'), { once: true });
    });
    const result = await Promise.race([flight.result, gone]);
    leave();
    if (result === 'gone') return new Response(null, { status: 499 });
    const shared = result.ok ? replay(result.answer, shape, started, 'flight') : undefined;
    if (shared) return shared;
    if (!result.ok && result.error instanceof GatewayError) throw result.error;
    // The leader's client left or its answer was incomplete: this request asks on its own.
    return labelled(await answer(input), 'miss');
  }

  /** The answer in the client's shape; undefined when a stored body cannot be replayed (then: a miss). */
  function replay(cached: CachedAnswer, shape: Shape, started: number, from: 'store' | 'flight'): Response | undefined {
    let sse: string | undefined;
    if (shape.stream) {
      const completion = parseCompletion(cached.body);
      if (!completion) return undefined;
      sse = chunksToSse(completionToChunks(completion, shape.includeUsage));
    }
    const requestId = newRequestId();
    const age = Math.max(0, Math.floor((clock.now() - cached.storedAt) / 1000));
    const headers: Record<string, string> = {
      'x-request-id': requestId,
      'x-switchyard-attempts': '0',
      'x-switchyard-cache': 'hit',
      age: String(age),
      ...(cached.provider ? { 'x-switchyard-provider': cached.provider } : {}),
      ...(cached.model ? { 'x-switchyard-model': cached.model } : {}),
    };
    logger.log('info', 'request', {
      request_id: requestId,
      model: shape.model,
      stream: shape.stream,
      status: 200,
      cache: from === 'store' ? 'hit' : 'coalesced',
      provider: cached.provider,
      served_model: cached.model,
      attempts: 0,
      duration_ms: clock.now() - started,
    });
    if (sse === undefined)
      return new Response(cached.body, { status: 200, headers: { ...headers, 'content-type': 'application/json' } });
    return new Response(sse, { status: 200, headers: { ...headers, ...SSE_HEADERS } });
  }
}

/**
 * Relays the handler's SSE bytes to the leader's client while recording them. The upstream is read by the
 * flight, not pulled by the client, so followers still get the answer when the leader's client goes away.
 */
function pumpStream(
  body: ReadableStream<Uint8Array>,
  recorder: SseRecorder,
  flight: Flight,
  leave: () => void,
  keep: (completion: ChatCompletion | undefined) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let attached = true;
  const cancelUpstream = () => void reader.cancel().catch(() => undefined);
  flight.controller.signal.addEventListener('abort', cancelUpstream, { once: true });
  return new ReadableStream<Uint8Array>({
    start(controller) {
      void (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            recorder.push(value);
            if (attached) controller.enqueue(value);
          }
          keep(recorder.finish());
          if (attached) controller.close();
        } catch (error) {
          keep(undefined);
          if (attached) controller.error(error);
        } finally {
          flight.controller.signal.removeEventListener('abort', cancelUpstream);
          leave();
        }
      })();
    },
    cancel() {
      attached = false;
      leave();
    },
  });
}

function parseCompletion(body: string): ChatCompletion | undefined {
  try {
    return completeCompletion(JSON.parse(body));
  } catch {
    return undefined;
  }
}

function readShape(body: unknown): Shape | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string' || !Array.isArray(record.messages)) return undefined;
  const stream = record.stream === true;
  const options = record.stream_options as Record<string, unknown> | null | undefined;
  return { model: record.model, stream, includeUsage: stream && options?.include_usage === true };
}

function labelled(response: Response, state: CacheState): Response {
  if (response.status === 499) return response;
  return new Response(response.body, { status: response.status, headers: withCacheHeaders(response.headers, state) });
}

function withCacheHeaders(source: Headers, state: CacheState): Headers {
  const headers = new Headers(source);
  headers.set('x-switchyard-cache', state);
  return headers;
}
