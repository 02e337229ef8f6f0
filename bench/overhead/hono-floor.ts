/**
 * The floor for any Hono gateway on Node: Hono + @hono/node-server, forwarding the request body to the
 * upstream with fetch and streaming the answer back, with nothing else (no parsing, no validation, no
 * routing). Whatever Switchyard costs above this is Switchyard's own.
 *
 * Run: PORT=... UPSTREAM_BASE_URL=http://127.0.0.1:UPSTREAM/v1 OPENAI_API_KEY=... node bench/overhead/hono-floor.ts
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.env.PORT ?? 0);
const upstream = `${process.env.UPSTREAM_BASE_URL ?? 'http://127.0.0.1:1/v1'}/chat/completions`;
const authorization = `Bearer ${process.env.OPENAI_API_KEY ?? ''}`;

const app = new Hono();

app.get('/health', (c) => c.text('ok'));

app.post('/v1/chat/completions', async function forward(c) {
  const answer = await fetch(upstream, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: await c.req.arrayBuffer(),
    signal: c.req.raw.signal,
  });
  const headers = new Headers({ 'content-type': answer.headers.get('content-type') ?? 'application/json' });
  return new Response(answer.body, { status: answer.status, headers });
});

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
process.on('SIGTERM', () => process.exit(0));
