/**
 * Bounds on the shape of a chat request, checked before anything is translated or sent. They protect the
 * gateway (translators and SDKs walk these structures, some recursively) and are far above what a real
 * conversation needs; README "Limits" lists them.
 */

/** Nesting depth of the JSON body (the body object is depth 1). A 30-level tool schema is about depth 65. */
export const MAX_BODY_DEPTH = 128;

/** Messages in one request. */
export const MAX_MESSAGES = 10_000;

/** Content parts in one message. */
export const MAX_CONTENT_PARTS = 1_000;

/** Tools in one request (OpenAI's own documented maximum). */
export const MAX_TOOLS = 128;

/** Tool calls in one assistant message. */
export const MAX_TOOL_CALLS = 1_000;

/** A validation finding: what is wrong, the field it is about, and OpenAI's error code for it. */
export interface Issue {
  message: string;
  param: string | null;
  code?: string;
}
