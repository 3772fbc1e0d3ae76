// Numbers and times as a person reads them across a room: "142 ms", "1.4 s", "3 min ago".

/** A duration in milliseconds: `0.42 ms`, `8.5 ms`, `142 ms`, `1.42 s`, `12.3 s`, `4 min`. */
export function formatMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  if (abs === 0) return '0 ms';
  if (abs < 1) return `${ms.toFixed(2)} ms`;
  if (abs < 10) return `${trimZero(ms.toFixed(1))} ms`;
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 10_000) return `${trimZero((ms / 1000).toFixed(2))} s`;
  if (abs < 60_000) return `${trimZero((ms / 1000).toFixed(1))} s`;
  if (abs < 3_600_000) return `${trimZero((ms / 60_000).toFixed(1))} min`;
  return `${trimZero((ms / 3_600_000).toFixed(1))} h`;
}

/** A duration in seconds, formatted as {@link formatMs}. */
export function formatSeconds(seconds: number | null | undefined): string {
  return seconds == null ? '–' : formatMs(seconds * 1000);
}

/** An age in whole units: `just now`, `12 s`, `3 min`, `2 h`, `4 d`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return 'just now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h`;
  return `${Math.floor(ms / 86_400_000)} d`;
}

/** Wall-clock time of day, 24 h: `14:03:27`. */
export function formatClock(epochMs: number): string {
  const date = new Date(epochMs);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}

function trimZero(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** A count with thousands separators whatever the browser's locale: `1,987`. */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A span of time in seconds as a person says it: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`; `–` for none. */
export function formatSpan(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '–';
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** Local date and time to the minute, `2026-12-01 14:03`, or to the second (`14:03:27`) for timelines. */
export function formatDateTime(epochMs: number, seconds = false): string {
  const date = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day} ${pad(date.getHours())}:${pad(date.getMinutes())}${seconds ? `:${pad(date.getSeconds())}` : ''}`;
}
