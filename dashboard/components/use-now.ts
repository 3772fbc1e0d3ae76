import { useEffect, useState } from 'preact/hooks';

/** The current time from `now`, re-read every `everyMs` so ages on screen keep counting. */
export function useNow(now: () => number, everyMs = 1_000): number {
  const [current, setCurrent] = useState(now);
  useEffect(() => {
    const timer = setInterval(() => setCurrent(now()), everyMs);
    return () => clearInterval(timer);
  }, [now, everyMs]);
  return current;
}
