// A write refused because the disk is full, on either engine: SQLite says SQLITE_FULL (or an I/O error
// whose cause is ENOSPC), PostgreSQL answers SQLSTATE 53100 (disk_full). Vigil treats it like any store
// failure (samples stay buffered, OTLP answers 503), but says so in words an operator acts on.

/** True when `error` is a store write refused for lack of disk space. */
export function isDiskFullError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = String((error as { code?: unknown }).code ?? '');
  const message = error instanceof Error ? error.message : '';
  return code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC' || /\bENOSPC\b|database or disk is full|No space left on device/i.test(message);
}
