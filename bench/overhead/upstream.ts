/**
 * The loopback upstream: an OpenAI-compatible server that answers at near-zero cost, so that what the
 * benchmark sees is the subject's overhead. A raw node:http server (no framework), answers pre-serialised:
 * - POST /v1/chat/completions without `stream`: the completion with usage, as one JSON body;
 * - with `stream: true` and `metadata.bench_pacing = "paced"` (the benchmark's streaming clients): the role
 *   chunk and the first content chunk after BENCH_TTFB_MS, then one content chunk every BENCH_INTERVAL_MS
 *   on an absolute schedule (no drift), then the finish chunk, the usage chunk when
 *   `stream_options.include_usage` is set, and `data: [DONE]`. As many content chunks as `max_tokens`
 *   (capped at 2,000), else BENCH_CHUNKS;
 * - any other stream (a gateway streaming a JSON request internally): the same completion as the JSON
 *   answer, every frame at once, as a server that has the whole answer ready would send it;
 * - GET /health: 200.
 *
 * Run: PORT=... [BENCH_TTFB_MS=50 BENCH_INTERVAL_MS=50 BENCH_CHUNKS=40] node bench/overhead/upstream.ts
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  ANSWER_TOKENS,
  completionJson,
  PACED_METADATA,
  type StreamFrames,
  streamFrames,
  upstreamHeaders,
} from './fixtures.ts';

const port = Number(process.env.PORT ?? 0);
const ttfbMs = Number(process.env.BENCH_TTFB_MS ?? 50);
const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? 50);
const defaultChunks = Number(process.env.BENCH_CHUNKS ?? 40);
const MAX_CHUNKS = 2000;

const jsonBody = Buffer.from(completionJson());
const jsonHeaders = { ...upstreamHeaders('application/json'), 'content-length': String(jsonBody.length) };
const sseHeaders = { ...upstreamHeaders('text/event-stream; charset=utf-8'), 'cache-control': 'no-cache' };
const framesWithUsage = streamFrames(true);
const framesWithoutUsage = streamFrames(false);

function wholeStream(frames: StreamFrames, includeUsage: boolean): Buffer {
  const chunks = ANSWER_TOKENS.length;
  return Buffer.from(
    frames.role + frames.content.join('') + frames.finish + (includeUsage ? frames.usage(chunks) : '') + frames.done,
  );
}
const wholeStreamWithUsage = wholeStream(framesWithUsage, true);
const wholeStreamWithoutUsage = wholeStream(framesWithoutUsage, false);

interface ParsedRequest {
  stream: boolean;
  paced: boolean;
  includeUsage: boolean;
  chunks: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseRequest(raw: string): ParsedRequest | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isRecord(body)) return undefined;
  const options = body.stream_options;
  const metadata = body.metadata;
  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  return {
    stream: body.stream === true,
    paced: isRecord(metadata) && metadata.bench_pacing === PACED_METADATA.bench_pacing,
    includeUsage: isRecord(options) && options.include_usage === true,
    chunks:
      typeof maxTokens === 'number' && Number.isInteger(maxTokens) && maxTokens > 0
        ? Math.min(maxTokens, MAX_CHUNKS)
        : defaultChunks,
  };
}

function pacedStream(res: ServerResponse, request: ParsedRequest): void {
  const frames = request.includeUsage ? framesWithUsage : framesWithoutUsage;
  res.writeHead(200, sseHeaders);
  res.flushHeaders();
  const started = performance.now();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const contentFrame = (index: number) => frames.content[index % frames.content.length] ?? '';
  const tick = () => {
    if (res.destroyed) return;
    if (sent === 0) res.write(frames.role + contentFrame(0));
    else res.write(contentFrame(sent));
    sent += 1;
    if (sent >= request.chunks) {
      res.end(frames.finish + (request.includeUsage ? frames.usage(request.chunks) : '') + frames.done);
      return;
    }
    const due = started + ttfbMs + sent * intervalMs;
    timer = setTimeout(tick, Math.max(0, due - performance.now()));
  };
  timer = setTimeout(tick, ttfbMs);
  res.on('close', () => clearTimeout(timer));
}

function answer(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } });
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const path = req.url?.split('?')[0];
  if (req.method === 'GET' && path === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (req.method !== 'POST' || path !== '/v1/chat/completions') {
    req.resume();
    answer(res, 404, `Invalid URL (${req.method ?? ''} ${path ?? ''})`);
    return;
  }
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    const request = parseRequest(Buffer.concat(parts).toString('utf8'));
    if (!request) answer(res, 400, 'We could not parse the JSON body of your request.');
    else if (!request.stream) res.writeHead(200, jsonHeaders).end(jsonBody);
    else if (request.paced) pacedStream(res, request);
    else {
      const body = request.includeUsage ? wholeStreamWithUsage : wholeStreamWithoutUsage;
      res.writeHead(200, sseHeaders).end(body);
    }
  });
});
// Longer than any client's idle keep-alive, so no pooled connection is closed under a request in flight.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
