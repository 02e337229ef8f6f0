/**
 * Gemini thought signatures between the answer, the client and the next request.
 *
 * Gemini 3 puts an opaque `thoughtSignature` on the first `functionCall` part of each step and wants it back,
 * exactly, on that part when the history is replayed (https://ai.google.dev/gemini-api/docs/thought-signatures).
 * Out: each tool call that carries one gets it as `extra_content.google.thought_signature`, Google's own shape
 * on its OpenAI-compatible endpoint. Back: convert-messages.ts reads that field; since many clients drop fields
 * they do not know from the messages they replay, the signature is also remembered here by tool-call id for an
 * hour (memory of this gateway process only, shared by every Gemini key). Google's documented bypass value is
 * the last resort, and each use is reported as a warning.
 */
import { createExpiringMap, type ExpiringMap } from '../shared/expiring-map.ts';

export type SignatureMemory = ExpiringMap<string>;

export const SIGNATURE_MEMORY_TTL_MS = 60 * 60 * 1000;

export function createSignatureMemory(now?: () => number): SignatureMemory {
  return createExpiringMap<string>({ ttlMs: SIGNATURE_MEMORY_TTL_MS, maxEntries: 20_000, ...(now ? { now } : {}) });
}

/** `extra_content` for a tool call, as Google's OpenAI-compatible endpoint writes it. */
export function signatureExtra(signature: string): { extra_content: { google: { thought_signature: string } } } {
  return { extra_content: { google: { thought_signature: signature } } };
}
