/**
 * Answers recorded from the real Anthropic and Gemini APIs (vercel/ai's test fixtures, kept verbatim in
 * ../shared/replay-fixtures/vercel-ai/ beside the repository, never copied into it) served on a loopback port,
 * byte for byte as recorded, in each API's wire framing: a JSON body, or SSE with one event per recorded line
 * (`event: <type>` + `data:` for Anthropic, `data:` only for Gemini's `alt=sse`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../mocks/mock-upstream.ts';

export const FIXTURE_DIR = new URL('../../../shared/replay-fixtures/vercel-ai/', import.meta.url);

/** `false` when the fixtures are there, else the reason to skip (node:test prints it). */
export const SKIP_WITHOUT_FIXTURES: false | string = existsSync(FIXTURE_DIR)
  ? false
  : 'recorded fixtures not found: ../shared/replay-fixtures/vercel-ai/ must sit beside the repository';

export type FixtureProvider = 'anthropic' | 'google';

export function readFixture(provider: FixtureProvider, file: string): string {
  return readFileSync(new URL(`${provider}/${file}`, FIXTURE_DIR), 'utf8');
}

/** The recordings of one provider whose file name ends with `suffix`, without it, sorted. */
export function fixtureNames(provider: FixtureProvider, suffix: '.json' | '.chunks.txt'): string[] {
  return readdirSync(new URL(`${provider}/`, FIXTURE_DIR))
    .filter((file) => file.endsWith(suffix))
    .map((file) => file.slice(0, -suffix.length))
    .sort();
}

/** What the replay answers: a recorded JSON body for JSON calls, recorded chunks for streamed calls. */
export interface Recording {
  provider: FixtureProvider;
  json?: string;
  chunks?: string;
}

export interface ReplayUpstream {
  url: string;
  /** Request bodies received, parsed. */
  readonly requests: Array<{ path: string; body: Record<string, unknown> }>;
  play(recording: Recording): void;
  close(): Promise<void>;
}

export async function startReplayUpstream(): Promise<ReplayUpstream> {
  let recording: Recording | undefined;
  const requests: ReplayUpstream['requests'] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const body: Record<string, unknown> = raw ? JSON.parse(raw) : {};
      const path = req.url ?? '/';
      requests.push({ path, body });
      const streamed = body.stream === true || path.includes(':streamGenerateContent');
      const source = streamed ? recording?.chunks : recording?.json;
      if (!recording || source === undefined) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"no recording for this call"}');
        return;
      }
      if (!streamed) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(source);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const line of source.trimEnd().split('\n')) {
        if (line.trim() === '') continue;
        const type =
          recording.provider === 'anthropic' ? String((JSON.parse(line) as { type?: unknown }).type) : undefined;
        res.write(type === undefined ? `data: ${line}\n\n` : `event: ${type}\ndata: ${line}\n\n`);
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    play(next) {
      recording = next;
      requests.length = 0;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
