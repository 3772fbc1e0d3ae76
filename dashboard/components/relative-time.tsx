import { formatAge, formatDateTime } from '../format.js';
import { useNow } from './use-now.js';

/** A time as `2026-12-01 14:03` with its age (`12 min ago`) kept counting. */
export function RelativeTime({ at, now, showAge = true }: { readonly at: number; readonly now: () => number; readonly showAge?: boolean }) {
  const current = useNow(now, 15_000);
  return (
    <time dateTime={new Date(at).toISOString()} class="when">
      {formatDateTime(at)}
      {showAge ? <span class="when__age"> · {formatAge(Math.max(0, current - at))} ago</span> : null}
    </time>
  );
}
