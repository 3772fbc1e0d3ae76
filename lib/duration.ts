import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w|y))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;

/**
 * Parses "300ms", "5s", "1h30m", "28d" to milliseconds; null when the text is not a duration, or one too
 * long to be counted exactly in milliseconds (400 nines of years would be Infinity).
 */
export function parseDuration(text: string): number | null {
  if (!DURATION.test(text)) return null;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit];
  const rounded = Math.round(ms);
  return Number.isSafeInteger(rounded) ? rounded : null;
}

/** Formats milliseconds as the shortest duration text: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const unit of ['y', 'd', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit];
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

/** A config duration: a string like "5s" in YAML, milliseconds inside Vigil. */
export const duration = () =>
  z
    .string({ error: 'expected a duration like "5s"' })
    .transform((text, ctx) => {
      const ms = parseDuration(text.trim());
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like "5s", got "${text}"` });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ type: 'string', pattern: DURATION.source, description: 'A duration: 300ms, 5s, 1m, 1h30m, 7d' });
