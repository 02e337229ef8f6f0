/**
 * OTLP traces over HTTP/JSON, our own minimal exporter (the OpenTelemetry SDK packages are many megabytes
 * for what is here one POST a second). One server span per request and one client span per attempt with the
 * GenAI attributes, and the gateway's decisions as span events (retried, switched key, failed over and why,
 * skipped because unhealthy). Loaded by src/node.ts through a dynamic import only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set, so nothing is loaded or paid otherwise. Runtime-neutral (fetch).
 *
 * Attempt spans are laid end to end from the request's start: the events carry each attempt's duration,
 * not its start, so a backoff wait shows as the gap before the request span ends, not between attempts.
 */
import type { RequestEvent, TelemetrySink } from '../telemetry-sink.ts';

export interface OtlpTracerOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `${endpoint}/v1/traces`. */
  endpoint: string;
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_HEADERS: `key=value,key2=value2`. */
  headers?: string | undefined;
  flushIntervalMs?: number;
  maxBatch?: number;
  onError?: (message: string) => void;
  now?: () => number;
}

type AttributeValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: Array<{ stringValue: string }> } };
interface Attribute {
  key: string;
  value: AttributeValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attribute[];
  events?: Array<{ name: string; timeUnixNano: string; attributes: Attribute[] }>;
  status: { code: number; message?: string };
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_OK = 1;
const STATUS_ERROR = 2;
const MAX_BUFFER = 10_000;

export interface OtlpTracer extends TelemetrySink {
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createOtlpTracer(options: OtlpTracerOptions): OtlpTracer {
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const headers = { 'content-type': 'application/json', ...parseHeaders(options.headers) };
  const now = options.now ?? Date.now;
  const maxBatch = options.maxBatch ?? 512;
  let buffer: OtlpSpan[] = [];
  let sending: Promise<void> = Promise.resolve();

  const send = async (spans: OtlpSpan[]) => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', options.serviceName)] },
          scopeSpans: [{ scope: { name: 'switchyard' }, spans }],
        },
      ],
    };
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) options.onError?.(`collector answered ${response.status}`);
    } catch (error) {
      options.onError?.(error instanceof Error ? error.message : String(error));
    }
  };
  const flush = () => {
    if (buffer.length === 0) return sending;
    const batch = buffer;
    buffer = [];
    sending = sending.then(() => send(batch));
    return sending;
  };
  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 1000);
  (timer as { unref?: () => void }).unref?.();

  return {
    attempt() {
      // Attempts are traced from the request event, which knows which request they belong to.
    },
    request(event: RequestEvent) {
      if (buffer.length >= MAX_BUFFER) return;
      buffer.push(...requestSpans(event, now()));
      if (buffer.length >= maxBatch) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

/** The spans of one request: pure, exported for tests. */
export function requestSpans(event: RequestEvent, endMs: number): OtlpSpan[] {
  const traceId = randomHex(16);
  const rootId = randomHex(8);
  const startMs = endMs - event.durationMs;
  const failed = event.status >= 400;
  const root: OtlpSpan = {
    traceId,
    spanId: rootId,
    name: `chat ${event.model.slice(0, 64)}`,
    kind: SPAN_KIND_SERVER,
    startTimeUnixNano: nanos(startMs),
    endTimeUnixNano: nanos(endMs),
    attributes: [
      str('gen_ai.operation.name', 'chat'),
      str('gen_ai.request.model', event.model.slice(0, 256)),
      ...(event.provider ? [str('gen_ai.provider.name', event.provider)] : []),
      ...(event.servedModel ? [str('gen_ai.response.model', event.servedModel)] : []),
      ...(event.usage
        ? [
            int('gen_ai.usage.input_tokens', event.usage.prompt_tokens),
            int('gen_ai.usage.output_tokens', event.usage.completion_tokens),
          ]
        : []),
      int('http.response.status_code', event.status),
      { key: 'switchyard.stream', value: { boolValue: event.stream } },
      int('switchyard.attempts', event.attempts.length),
      ...(event.fallbackReasons.length
        ? [
            {
              key: 'switchyard.fallback_reasons',
              value: { arrayValue: { values: event.fallbackReasons.map((r) => ({ stringValue: r })) } },
            },
          ]
        : []),
      ...(event.firstByteMs !== undefined
        ? [{ key: 'switchyard.time_to_first_token_ms', value: { doubleValue: event.firstByteMs } }]
        : []),
      ...(event.overheadMs !== undefined
        ? [{ key: 'switchyard.overhead_ms', value: { doubleValue: event.overheadMs } }]
        : []),
      ...(failed ? [str('error.type', event.code ?? String(event.status))] : []),
    ],
    events: [],
    status: failed ? { code: STATUS_ERROR, message: event.code ?? String(event.status) } : { code: STATUS_OK },
  };
  const spans = [root];
  let cursor = startMs;
  event.attempts.forEach((attempt, index) => {
    const next = event.attempts[index + 1];
    const decision = attempt.ok
      ? 'served'
      : !next
        ? 'gave_up'
        : next.provider !== attempt.provider
          ? 'failover'
          : next.key === attempt.key
            ? 'retry'
            : 'next_key';
    const attemptEnd = Math.min(endMs, cursor + attempt.ms);
    spans.push({
      traceId,
      spanId: randomHex(8),
      parentSpanId: rootId,
      name: `attempt ${attempt.provider}`,
      kind: SPAN_KIND_CLIENT,
      startTimeUnixNano: nanos(cursor),
      endTimeUnixNano: nanos(attemptEnd),
      attributes: [
        str('gen_ai.operation.name', 'chat'),
        str('gen_ai.provider.name', attempt.provider),
        int('switchyard.attempt', index + 1),
        str('switchyard.key', attempt.key),
        str('switchyard.decision', decision),
        ...(attempt.reason ? [str('error.type', attempt.reason)] : []),
      ],
      status: attempt.ok ? { code: STATUS_OK } : { code: STATUS_ERROR, message: attempt.reason ?? 'failed' },
    });
    if (!attempt.ok) {
      const words =
        decision === 'failover'
          ? `failed over to ${next!.provider} because ${attempt.reason ?? 'it failed'}`
          : decision === 'retry'
            ? `retried after ${attempt.reason ?? 'a failure'}`
            : decision === 'next_key'
              ? `switched key after ${attempt.reason ?? 'a failure'}`
              : `gave up after ${attempt.reason ?? 'a failure'}`;
      root.events!.push({
        name: `switchyard.${decision}`,
        timeUnixNano: nanos(attemptEnd),
        attributes: [
          str('switchyard.provider', attempt.provider),
          str('switchyard.reason', attempt.reason ?? 'unknown'),
          str('switchyard.explanation', words),
        ],
      });
    }
    cursor = attemptEnd;
  });
  for (const reason of event.fallbackReasons) {
    // Decisions that are not an attempt's own failure: skipped because unhealthy, skipped a wait, budget...
    if (
      /:(unhealthy|skip_wait|retry_budget|wait_exceeds_deadline|no_usable_key|local_rate_limit)$|^context_fallback:/.test(
        reason,
      )
    ) {
      root.events!.push({
        name: 'switchyard.decision',
        timeUnixNano: nanos(endMs),
        attributes: [str('switchyard.reason', reason)],
      });
    }
  }
  return spans;
}

function parseHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of (raw ?? '').split(',')) {
    const at = part.indexOf('=');
    if (at > 0) headers[decodeURIComponent(part.slice(0, at).trim())] = decodeURIComponent(part.slice(at + 1).trim());
  }
  return headers;
}

function str(key: string, value: string): Attribute {
  return { key, value: { stringValue: value } };
}

function int(key: string, value: number): Attribute {
  return { key, value: { intValue: String(Math.round(value)) } };
}

function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

function randomHex(bytes: number): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const byte of data) out += byte.toString(16).padStart(2, '0');
  return out;
}
