/**
 * Server-sent events from a response body, one message at a time as they arrive (WHATWG HTML §9.2 event stream
 * format: `data:` lines joined by newlines, `event:` names, `:` comments, a blank line ends a message; LF,
 * CRLF and CR line ends).
 *
 * Why not the SDK's own parser: on the passthrough hot path it cost about a third of the gateway's CPU per
 * request (profiled with `node --cpu-prof` under load); this one scans each byte once.
 */
export interface SseMessage {
  event?: string;
  data: string;
}

export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage, void, undefined> {
  // Stopping early (`return()`) ends the loop over `body`; closing the connection is the caller's (the
  // transport's `cancel()`), since an async iterable has no cancel of its own.
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const value of body) {
    buffer = appendNormalised(buffer, decoder.decode(value, { stream: true }));
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const message = parseSseBlock(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (message) yield message;
    }
  }
  buffer = appendNormalised(buffer, decoder.decode()).replace(/\r$/, '\n');
  const last = parseSseBlock(buffer);
  if (last) yield last;
}

/**
 * Appends a decoded piece with CRLF and lone CR turned into LF. A CR at the very end is kept as is, since
 * its LF may start the next piece; it is joined with that piece here.
 */
function appendNormalised(buffer: string, piece: string): string {
  let text = piece;
  if (buffer.endsWith('\r')) {
    buffer = buffer.slice(0, -1);
    text = `\r${text}`;
  }
  if (!text.includes('\r')) return buffer + text;
  const trailing = text.endsWith('\r') ? '\r' : '';
  return buffer + text.slice(0, text.length - trailing.length).replace(/\r\n?/g, '\n') + trailing;
}

/** One event block (LF line ends, without the blank line that ends it): its data and event name, if any. */
export function parseSseBlock(block: string): SseMessage | undefined {
  let data: string | undefined;
  let event: string | undefined;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
  }
  if (data === undefined) return undefined;
  return event === undefined ? { data } : { event, data };
}
