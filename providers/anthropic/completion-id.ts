/**
 * The OpenAI completion id for an Anthropic message: derived from the message id when there is one, so a
 * gateway log line and Anthropic's own records can be matched; minted otherwise.
 */
export function completionId(messageId: string | null | undefined): string {
  if (messageId) return `chatcmpl-${messageId.replace(/^msg_/, '')}`;
  return `chatcmpl-${globalThis.crypto.randomUUID().replaceAll('-', '')}`;
}
