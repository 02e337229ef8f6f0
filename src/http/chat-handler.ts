/**
 * POST /v1/chat/completions: validate, hand to the routing engine, write JSON or SSE with the explaining
 * headers, and log one structured line per request (the same point tells telemetry, when a sink is wired).
 */
import type { Context } from 'hono';
import type { CompletionUsage } from '../../providers/types.ts';
import type { AnswerChat, ChatInput, ResponseCache } from '../cache/serve-cached.ts';
import type { Clock } from '../clock.ts';
import { MAX_TIMER_MS } from '../config/bounds.ts';
import { GatewayError, invalidRequest } from '../gateway-error.ts';
import { ClientGone } from '../routing/attempt-errors.ts';
import { type EngineDeps, execute, type Served } from '../routing/execute.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { RequestAttempt, RequestEvent, TelemetrySink } from '../telemetry/telemetry-sink.ts';
import { explainHeaders, newRequestId } from './response-headers.ts';
import { relaySseStream, type SseEnd, sseStream } from './sse.ts';
import { validateChatRequest } from './validate-request.ts';

/** The Hono handler: parse the body, then answer through the response cache when there is one. */
export function createChatHandler(engine: EngineDeps, cache?: ResponseCache, telemetry?: TelemetrySink) {
  const answer = createChatAnswer(engine, telemetry);
  return async function chatCompletions(c: Context): Promise<Response> {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw withRequestId(
        invalidRequest('We could not parse the JSON body of your request.', null, 'invalid_json'),
        newRequestId(),
      );
    }
    // Validated before the cache: a body the gateway refuses is never hashed, looked up or coalesced.
    const validated = validateChatRequest(body);
    if (!validated.ok) throw withRequestId(validated.error, newRequestId());
    const input: ChatInput = { body, validated, header: (name) => c.req.header(name), signal: c.req.raw.signal };
    return cache ? cache(input, answer) : answer(input);
  };
}

/**
 * One chat request answered through routing. Takes its signal from the input, not from the client's request,
 * so that a coalesced upstream call can outlive the client that started it.
 */
export function createChatAnswer(engine: EngineDeps, telemetry?: TelemetrySink): AnswerChat {
  const { logger, clock } = engine;
  const log = (entry: RequestLog) => logRequest(logger, clock, entry, telemetry);
  return async function answerChat(input: ChatInput): Promise<Response> {
    const requestId = newRequestId();
    const started = clock.now();
    const { validated } = input;
    const request = validated.request;
    const deadlineMs = parseDeadlineHeader(input.header('x-switchyard-deadline-ms'), requestId);
    const clientStream = request.stream === true;
    const includeUsage = clientStream && request.stream_options?.include_usage === true;

    let served: Served;
    try {
      served = await execute(engine, {
        request,
        clientStream,
        includeUsage,
        signal: input.signal,
        ...(deadlineMs === undefined ? {} : { deadlineMs }),
        ...(validated.includeReasoning === undefined ? {} : { includeReasoning: validated.includeReasoning }),
      });
    } catch (error) {
      if (error instanceof ClientGone) {
        log({ requestId, model: request.model, stream: clientStream, status: 499, started });
        return new Response(null, { status: 499 });
      }
      if (error instanceof GatewayError) {
        if (error.code === 'internal_error') logInternalError(logger, error, requestId);
        const trail = error.trail ?? { attempts: 0, fallbackReasons: [] };
        Object.assign(
          error.headers,
          explainHeaders({ requestId, attempts: trail.attempts, fallbackReasons: trail.fallbackReasons }),
        );
        log({
          requestId,
          model: request.model,
          stream: clientStream,
          status: error.status,
          started,
          attempts: trail.attempts,
          reasons: trail.fallbackReasons,
          code: error.code,
          records: trail.records,
        });
      }
      throw error;
    }

    const headers = explainHeaders({
      requestId,
      provider: served.provider,
      model: served.model,
      attempts: served.attempts.length,
      fallbackReasons: served.fallbackReasons,
      warnings: served.warnings,
      queueMs: served.queueMs,
    });
    const committedMs = clock.now() - started;
    const common = {
      requestId,
      model: request.model,
      stream: clientStream,
      started,
      attempts: served.attempts.length,
      reasons: served.fallbackReasons,
      provider: served.provider,
      servedModel: served.model,
      firstByteMs: served.firstByteMs,
      warnings: served.warnings.map((warning) => warning.param),
      records: served.attempts,
      committedMs,
    };

    if (served.type === 'json') {
      log({ ...common, status: 200, usage: served.body.usage });
      return new Response(served.raw ?? JSON.stringify(served.body), {
        status: 200,
        headers: { ...headers, 'content-type': 'application/json' },
      });
    }
    const onEnd = (end: SseEnd, usage: CompletionUsage | null | undefined) => {
      log({
        ...common,
        status: end.ok ? 200 : end.cancelled ? 499 : 200,
        ...(end.error ? { code: end.error.code ?? 'stream_failed', streamError: true } : {}),
        usage: usage ?? undefined,
      });
    };
    const stream =
      served.type === 'sse'
        ? relaySseStream(served.batches, onEnd)
        : sseStream(served.chunks, (end, last) => onEnd(end, last?.usage));
    return new Response(stream, {
      status: 200,
      headers: {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      },
    });
  };
}

/** Decimal digits only, 1 to 2^31-1: a longer timer would fire at once and time out every attempt. */
function parseDeadlineHeader(raw: string | undefined, requestId: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\s*\d{1,10}\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    throw withRequestId(
      invalidRequest(
        `x-switchyard-deadline-ms must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}.`,
        'x-switchyard-deadline-ms',
        'invalid_value',
      ),
      requestId,
    );
  }
  return value;
}

function withRequestId(error: GatewayError, requestId: string): GatewayError {
  error.headers['x-request-id'] = requestId;
  error.headers['x-should-retry'] = 'false';
  return error;
}

/** A bug of ours: the stack goes to the log under the request id, and the id into the client's message. */
function logInternalError(logger: Logger, error: GatewayError, requestId: string): void {
  const cause = error.cause instanceof Error ? error.cause : error;
  logger.log('error', 'internal_error', {
    request_id: requestId,
    name: cause.name,
    message: cause.message,
    stack: cause.stack,
  });
  error.message = `${error.message} (request id ${requestId})`;
}

interface RequestLog {
  requestId: string;
  model: string;
  stream: boolean;
  status: number;
  started: number;
  attempts?: number;
  reasons?: string[] | undefined;
  provider?: string;
  servedModel?: string;
  firstByteMs?: number;
  code?: string | null;
  streamError?: boolean;
  /** Parameters the serving provider could not honour (e.g. `thought_signature`: Gemini's bypass value was sent). */
  warnings?: string[];
  usage?: { prompt_tokens: number; completion_tokens: number } | undefined;
  records?: readonly RequestAttempt[] | undefined;
  /** Handler start to the commit point (answer read for JSON, first token for streams), ms. */
  committedMs?: number;
}

/** Model and field names come from the client: capped, so a 1 MiB name is not a 1 MiB log line. */
function capForLog(text: string, max = 256): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function logRequest(logger: Logger, clock: Clock, entry: RequestLog, telemetry: TelemetrySink | undefined): void {
  const durationMs = clock.now() - entry.started;
  if (telemetry) telemetry.request(requestEvent(entry, durationMs));
  logger.log(entry.status >= 500 || entry.streamError ? 'warn' : 'info', 'request', {
    request_id: entry.requestId,
    model: capForLog(entry.model),
    stream: entry.stream,
    status: entry.status,
    provider: entry.provider,
    served_model: entry.servedModel === undefined ? undefined : capForLog(entry.servedModel),
    attempts: entry.attempts ?? 0,
    fallback_reason: entry.reasons?.length ? entry.reasons.join(',') : undefined,
    // Field names come from the client too (unknown fields are warned about): capped like the model.
    warnings: entry.warnings?.length ? capForLog(entry.warnings.join(','), 1024) : undefined,
    code: entry.code ?? undefined,
    first_byte_ms: entry.firstByteMs,
    duration_ms: durationMs,
    prompt_tokens: entry.usage?.prompt_tokens,
    completion_tokens: entry.usage?.completion_tokens,
  });
}

function requestEvent(entry: RequestLog, durationMs: number): RequestEvent {
  const attempts = entry.records ?? [];
  let upstreamMs = 0;
  for (const attempt of attempts) upstreamMs += attempt.ms;
  return {
    model: entry.model,
    stream: entry.stream,
    status: entry.status,
    ...(entry.provider ? { provider: entry.provider } : {}),
    ...(entry.servedModel ? { servedModel: entry.servedModel } : {}),
    attempts,
    fallbackReasons: entry.reasons ?? [],
    ...(entry.code ? { code: entry.code } : {}),
    durationMs,
    ...(entry.committedMs === undefined
      ? {}
      : { firstByteMs: entry.committedMs, overheadMs: Math.max(0, entry.committedMs - upstreamMs) }),
    ...(entry.usage
      ? { usage: { prompt_tokens: entry.usage.prompt_tokens, completion_tokens: entry.usage.completion_tokens } }
      : {}),
  };
}
