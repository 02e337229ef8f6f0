/**
 * A base64 `data:` URL, as OpenAI clients send images and files inline:
 * `data:<media type>[;<parameter>...];base64,<data>` (RFC 2397). The media type comes back trimmed and in
 * lower case (media types are case-insensitive; providers compare them exactly); parameters such as
 * `charset` are dropped. Undefined for anything else, including a data URL without `;base64`: the
 * translators send the data on as base64, so they need it encoded so.
 */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+)((?:;[^;,]*)*);base64,(.*)$/s.exec(url);
  if (!match || match[1] === undefined || match[3] === undefined) return undefined;
  return { mediaType: match[1].trim().toLowerCase(), data: match[3] };
}
