/**
 * A streaming chat client on raw node:http, timing what a user sees: the time to the first content chunk
 * (the first `data:` frame whose delta carries text) and the gap between consecutive content chunks as they
 * arrive. Frames that arrive in one socket read share one arrival time, so bunching shows as gaps near 0.
 */
import { type Agent, request } from 'node:http';

export interface StreamResult {
  ok: boolean;
  status: number;
  /** performance.now() when the request was written, and when the stream ended. */
  startedAt: number;
  endedAt: number;
  /** Request written → first content chunk read, ms. */
  ttftMs: number;
  /** Arrival gaps between consecutive content chunks, ms. */
  gapsMs: number[];
  contentChunks: number;
  error?: string;
}

export interface StreamOptions {
  url: string;
  body: string;
  agent: Agent;
  expectedChunks: number;
  timeoutMs: number;
}

export function runStream(options: StreamOptions): Promise<StreamResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    let ttftMs = Number.NaN;
    let lastContentAt = Number.NaN;
    const gapsMs: number[] = [];
    let contentChunks = 0;
    let sawDone = false;
    let status = 0;
    let buffer = '';
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const ok = !error && status === 200 && sawDone && contentChunks === options.expectedChunks;
      const problem =
        error ??
        (ok
          ? undefined
          : `status ${status}, ${contentChunks}/${options.expectedChunks} content chunks, [DONE] ${sawDone ? 'seen' : 'missing'}`);
      resolve({
        ok,
        status,
        startedAt: started,
        endedAt: performance.now(),
        ttftMs,
        gapsMs,
        contentChunks,
        ...(problem ? { error: problem } : {}),
      });
    };
    const onFrame = (data: string, at: number) => {
      if (data === '[DONE]') {
        sawDone = true;
        return;
      }
      let content: unknown;
      try {
        const parsed = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }> };
        content = parsed.choices?.[0]?.delta?.content;
      } catch {
        finish(`unparseable frame: ${data.slice(0, 80)}`);
        return;
      }
      if (typeof content !== 'string' || content === '') return;
      contentChunks += 1;
      if (contentChunks === 1) ttftMs = at - started;
      else gapsMs.push(at - lastContentAt);
      lastContentAt = at;
    };
    const req = request(`${options.url}/v1/chat/completions`, {
      method: 'POST',
      agent: options.agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(options.body),
        authorization: 'Bearer bench-client',
      },
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (error) => finish(error.message));
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        const at = performance.now();
        buffer += text;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of event.split('\n')) {
            if (line.startsWith('data:')) onFrame(line.slice(5).trimStart(), at);
          }
          end = buffer.indexOf('\n\n');
        }
      });
      res.on('end', () => finish());
      res.on('error', (error) => finish(error.message));
    });
    req.end(options.body);
  });
}

export interface SteadyStreamsOptions {
  /** Streams kept open at once. */
  concurrency: number;
  /** First starts are spread over this (one stream's lifetime makes arrivals uniform from the start). */
  rampMs: number;
  /** After the ramp, streams are restarted as they end for this long: the measured window. */
  windowMs: number;
  start: () => Promise<StreamResult>;
  /** Called every `sampleMs` with the time, for sampling the subject (RSS) while streams run. */
  sample?: (at: number) => void;
  sampleMs?: number;
}

export interface SteadyStreams {
  /** Every stream run, in start order per worker. */
  results: StreamResult[];
  /** performance.now() at the start of the window and at its end. */
  windowStart: number;
  windowEnd: number;
}

/**
 * A closed loop of `concurrency` callers: each starts a stream, and another as soon as it ends, until the
 * window is over. Starts are staggered over `rampMs`, so from then on about `concurrency` streams are open
 * at any moment and new ones arrive at the steady rate (concurrency / stream lifetime), not in a burst.
 */
export async function runSteadyStreams(options: SteadyStreamsOptions): Promise<SteadyStreams> {
  const started = performance.now();
  const windowStart = started + options.rampMs;
  const windowEnd = windowStart + options.windowMs;
  const results: StreamResult[] = [];
  const sampler = options.sample
    ? setInterval(() => options.sample?.(performance.now()), options.sampleMs ?? 25)
    : undefined;
  const worker = async (index: number) => {
    const wait = started + (options.rampMs * index) / options.concurrency - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    do {
      const result = await options.start();
      results.push(result);
      // A failing subject would otherwise be hammered in a tight loop; one failure per caller is enough.
      if (!result.ok) return;
    } while (performance.now() < windowEnd);
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  } finally {
    if (sampler) clearInterval(sampler);
  }
  return { results, windowStart, windowEnd };
}
