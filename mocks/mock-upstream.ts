/**
 * The loopback mock upstream all three provider mocks are built on.
 *
 * The base owns the HTTP server, request recording and fault injection; each provider mock only says how
 * to recognise its chat endpoint and how to render a neutral `Script` (what the "model" answers) in that
 * provider's exact wire format. Faults are generic: an error status with the provider's envelope, a hang,
 * a dropped connection, a stream cut after N events, malformed data.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake model answers, independent of wire format. */
export interface Script {
  /** Text pieces; streams send one piece per delta event. Joined for non-streaming answers. */
  text?: string[];
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
  /** Neutral finish; each mock maps it to its native reason. Default: tool_calls when toolCalls, else stop. */
  finish?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** A native finish/stop reason sent verbatim, overriding `finish` (to test unknown reasons). */
  nativeFinish?: string;
  usage?: { input: number; output: number; cached?: number };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export type Fault =
  /** Answer with this status; `body` is the provider's error envelope (use the mock's `errorBody`). */
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> }
  /** Accept the request and never answer, until the client gives up. */
  | { kind: 'hang' }
  /** Destroy the socket without any response. */
  | { kind: 'drop' }
  /** Stream: send the first `afterEvents` SSE events, then destroy the socket. */
  | { kind: 'cut'; afterEvents: number }
  /** Stream: send the first `afterEvents` events, then the provider's in-stream error event, then end. */
  | { kind: 'stream-error'; afterEvents: number; error: unknown }
  /** Answer 200 with a body (JSON) or an SSE event (stream) that is not valid JSON. */
  | { kind: 'malformed' };

export interface MockTiming {
  /** Delay before the response headers are sent. */
  firstByteDelayMs: number;
  /** Delay between SSE events. */
  chunkDelayMs: number;
}

/** A rendered answer: a JSON body, or SSE frames (each a complete `event:`/`data:` block ending in a blank line). */
export type Rendered =
  | {
      json: unknown;
      headers?: Record<string, string> /** Default 200. */;
      status?: number /** The body as written, when not `JSON.stringify(json)`. */;
      text?: string;
    }
  | { sse: string[]; headers?: Record<string, string> };

export interface ProviderWire {
  readonly name: string;
  /**
   * Whether this request is a chat call (and whether it asks for a stream) or the model listing the key
   * checks call (`listing`); undefined = 404.
   */
  match(method: string, path: string, body: unknown): { stream: boolean; listing?: boolean } | undefined;
  /** The API key the request carries, read where the provider's SDK puts it. */
  credential(headers: Record<string, string>): string | undefined;
  /** The provider's exact answer to a key it does not accept (status and envelope). */
  invalidKeyFault(): Fault;
  render(script: Script, request: { body: unknown; path: string; stream: boolean }): Rendered;
  /** The in-stream error frame for a `stream-error` fault. */
  streamErrorFrame(error: unknown): string;
  /** The frame for a `malformed` fault in a stream. */
  malformedFrame(): string;
  /** The provider's 404 envelope for unknown paths. */
  notFoundBody(path: string): unknown;
}

export class MockUpstream {
  readonly wire: ProviderWire;
  readonly requests: RecordedRequest[] = [];
  /** Requests whose connection closed before the mock finished answering (client aborted). */
  abortedRequests = 0;
  /** Requests currently being answered. */
  inFlight = 0;
  /** The most requests answered at once since the last reset (what a concurrency bound is judged by). */
  peakInFlight = 0;
  /**
   * Headers added to (and overriding) every successful answer's own, e.g. a rate-limit state: a function gets
   * the number of the request (1-based) so a test can change what the "provider" says over time.
   */
  successHeaders: Record<string, string> | ((call: number) => Record<string, string>) | undefined;
  timing: MockTiming = { firstByteDelayMs: 0, chunkDelayMs: 0 };
  /** What the fake model answers, until changed or `reset()`. */
  script: Script;
  /** Model listings answered (the gateway's key checks): the key each carried, and the request's headers. */
  readonly listings: Array<{ credential: string | undefined; path: string; headers: Record<string, string> }> = [];
  private readonly defaultScript: Script;
  private readonly rejectedKeys = new Set<string>();
  private readonly listingFaults: Fault[] = [];
  private readonly queuedFaults: Fault[] = [];
  private stickyFault: Fault | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();
  url = '';

  constructor(wire: ProviderWire, defaultScript: Script) {
    this.wire = wire;
    this.defaultScript = defaultScript;
    this.script = defaultScript;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Fail the next request(s) with these faults, in order. */
  failNext(...faults: Fault[]): this {
    this.queuedFaults.push(...faults);
    return this;
  }

  /** Fail every request with this fault until `heal()`. */
  failAlways(fault: Fault): this {
    this.stickyFault = fault;
    return this;
  }

  heal(): this {
    this.stickyFault = undefined;
    this.queuedFaults.length = 0;
    this.listingFaults.length = 0;
    return this;
  }

  /** Answer every request carrying one of these keys (chat and listing alike) as the provider answers a bad key. */
  rejectKeys(...keys: string[]): this {
    for (const key of keys) this.rejectedKeys.add(key);
    return this;
  }

  /** Fail the next model listing(s) with these faults; chat faults (`failNext`) never apply to listings. */
  failListing(...faults: Fault[]): this {
    this.listingFaults.push(...faults);
    return this;
  }

  /** Forget recorded requests and restore the default script, timing and health. */
  reset(): this {
    this.heal();
    this.requests.length = 0;
    this.listings.length = 0;
    this.rejectedKeys.clear();
    this.abortedRequests = 0;
    this.peakInFlight = 0;
    this.successHeaders = undefined;
    this.script = this.defaultScript;
    this.timing = { firstByteDelayMs: 0, chunkDelayMs: 0 };
    return this;
  }

  /** Chat requests seen (recorded requests that matched the chat endpoint). */
  get chatCalls(): number {
    return this.requests.length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = req.url ?? '/';
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const matched = this.wire.match(req.method ?? 'GET', path, body);
    if (!matched) {
      sendJson(res, 404, this.wire.notFoundBody(path));
      return;
    }
    const headers = flattenHeaders(req);
    const credential = this.wire.credential(headers);
    // Only calls (POST) are recorded: listing models is not a request a test counts as a chat.
    if (matched.listing) this.listings.push({ credential, path, headers });
    else if (req.method === 'POST') this.requests.push({ method: req.method, path, headers, body });
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    let finished = false;
    res.on('close', () => {
      this.inFlight--;
      if (!finished) this.abortedRequests++;
    });
    const fault =
      credential !== undefined && this.rejectedKeys.has(credential)
        ? this.wire.invalidKeyFault()
        : matched.listing
          ? this.listingFaults.shift()
          : (this.queuedFaults.shift() ?? this.stickyFault);
    try {
      if (this.timing.firstByteDelayMs > 0) await sleep(this.timing.firstByteDelayMs);
      if (res.destroyed) return;
      finished = await this.answer(req, res, fault, body, path, matched.stream);
    } catch {
      res.destroy();
    }
  }

  /** Returns true when the answer was written to the end. */
  private async answer(
    req: IncomingMessage,
    res: ServerResponse,
    fault: Fault | undefined,
    body: unknown,
    path: string,
    stream: boolean,
  ): Promise<boolean> {
    if (fault?.kind === 'hang') {
      await new Promise<void>((resolve) => res.on('close', resolve));
      return false;
    }
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return false;
    }
    if (fault?.kind === 'status') {
      sendJson(res, fault.status, fault.body, fault.headers);
      return true;
    }
    const rendered = this.withSuccessHeaders(this.wire.render(this.script, { body, path, stream }));
    if ('json' in rendered) {
      if (fault?.kind === 'malformed') {
        res.writeHead(200, { 'content-type': 'application/json', ...rendered.headers });
        res.end('{"id": "broken", "choices": [');
        return true;
      }
      sendJson(res, rendered.status ?? 200, rendered.json, rendered.headers, rendered.text);
      return true;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...rendered.headers,
    });
    res.flushHeaders();
    const frames = rendered.sse;
    for (let i = 0; i < frames.length; i++) {
      if (res.destroyed) return false;
      if (fault?.kind === 'cut' && i === fault.afterEvents) {
        // Let the frames already written leave the socket first, so the client sees exactly `afterEvents`.
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        await sleep(10);
        res.destroy();
        return false;
      }
      if (fault?.kind === 'stream-error' && i === fault.afterEvents) {
        res.end(this.wire.streamErrorFrame(fault.error));
        return true;
      }
      if (fault?.kind === 'malformed' && i === 1) {
        res.end(this.wire.malformedFrame());
        return true;
      }
      if (i > 0 && this.timing.chunkDelayMs > 0) await sleep(this.timing.chunkDelayMs);
      res.write(frames[i]);
    }
    res.end();
    return true;
  }

  private withSuccessHeaders(rendered: Rendered): Rendered {
    const extra =
      typeof this.successHeaders === 'function' ? this.successHeaders(this.requests.length) : this.successHeaders;
    if (!extra || ('json' in rendered && (rendered.status ?? 200) >= 400)) return rendered;
    return { ...rendered, headers: { ...rendered.headers, ...extra } };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A request's whole body as text (shared by the loopback upstreams). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
  written?: string,
): void {
  const text = written ?? JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Format one SSE frame. `event` is omitted for OpenAI and Gemini, which send only `data:` lines. */
export function sseFrame(data: string, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
}

/** `value` as a plain object, or undefined. */
export function readRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random ids in the style providers use (`chatcmpl-…`, `call_…`). */
export function randomToken(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[Math.floor(Math.random() * ALPHANUMERIC.length)];
  return out;
}

/** The key of an `Authorization: Bearer <key>` header. */
export function bearer(authorization: string | undefined): string | undefined {
  return authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
}
