/** UTF-8 sizes of JavaScript strings without encoding them, and encoding into a buffer the caller owns. */

/** The UTF-8 length of `text`; a lone surrogate counts as the 3 bytes of the replacement character. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Writes the UTF-8 bytes of `text[from..to)` into `out` from index `at` (a lone surrogate as U+FFFD, as
 * TextEncoder does) and returns the index after the last byte; `out` must have room (3 bytes per UTF-16 unit).
 */
export function encodeUtf8(text: string, from: number, to: number, out: Uint8Array, at: number): number {
  let end = at;
  for (let i = from; i < to; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) out[end++] = code;
    else if (code < 0x800) {
      out[end++] = 0xc0 | (code >> 6);
      out[end++] = 0x80 | (code & 63);
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < to && isLowSurrogate(text.charCodeAt(i + 1))) {
      code = 0x10000 + ((code - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
      out[end++] = 0xf0 | (code >> 18);
      out[end++] = 0x80 | ((code >> 12) & 63);
      out[end++] = 0x80 | ((code >> 6) & 63);
      out[end++] = 0x80 | (code & 63);
    } else {
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
      out[end++] = 0xe0 | (code >> 12);
      out[end++] = 0x80 | ((code >> 6) & 63);
      out[end++] = 0x80 | (code & 63);
    }
  }
  return end;
}
