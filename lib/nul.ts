// NUL characters (U+0000) in text Vigil keeps: PostgreSQL's text type cannot hold one ("invalid byte
// sequence for encoding UTF8: 0x00"), and a check result carrying one failed its whole batch of results,
// again at every retry, so no check's last result was stored any more. Text that comes from outside
// (a probed server's answer in an error or detail, an OTLP resource's service or environment) has its
// NULs replaced with U+FFFD, the replacement character, on both engines alike.

/** `text` with every NUL replaced by U+FFFD (the same string when it has none). */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}
