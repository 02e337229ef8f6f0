/**
 * Store errors end up in `storeStatus()`, reports and log lines. Connection strings can carry a password
 * (`redis://user:secret@host`), and some clients quote them in errors: strip any credentials first.
 */
export function redactStoreError(message: string): string {
  return message
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1[redacted]@')
    .replace(/\b(password|pass|auth|requirepass)(\s*[=:]\s*)\S+/gi, '$1$2[redacted]')
    .slice(0, 500);
}
