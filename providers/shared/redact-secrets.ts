/**
 * Removes anything that looks like a credential from text that may reach a client or a log line.
 *
 * Upstreams echo keys back: OpenAI's 401 says "Incorrect API key provided: sk-proj-****abcd", Google's
 * errors can quote `key=AIza...`. We never pass such text through, masked or not: the mask still leaks the
 * key's tail and tells an attacker which key the gateway holds.
 */
const SECRET_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_\-*.]{3,}/g, // OpenAI and Anthropic (sk-ant-...) keys, including masked forms
  /\bAIza[0-9A-Za-z_\-*]{10,}/g, // Google API keys
  /\b(?:Bearer|key=|api[_-]?key[=:]\s*)[A-Za-z0-9_\-*.]{8,}/gi,
];

export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out;
}

/** Longest error message passed on from an upstream, after redaction (every provider, the same rule). */
export const MAX_ERROR_MESSAGE_LENGTH = 1000;

/**
 * An upstream's error text as a client or a log line may see it: secrets removed first (so a cut can never
 * leave part of a key behind), then capped, with `…` marking the cut.
 */
export function redactMessage(text: string, knownSecrets: readonly string[] = []): string {
  const redacted = redactSecrets(text, knownSecrets);
  return redacted.length > MAX_ERROR_MESSAGE_LENGTH ? `${redacted.slice(0, MAX_ERROR_MESSAGE_LENGTH)}…` : redacted;
}

/** Longest `code`, `param` or `type` passed on from an upstream error. */
export const MAX_ERROR_FIELD_LENGTH = 200;

/**
 * An upstream error's short fields (`code`, `param`, `type`) reach the client's error body, the request log
 * and the fallback-reason header just as the message does, so they are redacted the same way, and capped.
 */
export function redactField(value: string | undefined, knownSecrets: readonly string[] = []): string | undefined {
  if (value === undefined) return undefined;
  const redacted = redactSecrets(value, knownSecrets);
  return redacted.length > MAX_ERROR_FIELD_LENGTH ? `${redacted.slice(0, MAX_ERROR_FIELD_LENGTH)}...` : redacted;
}
