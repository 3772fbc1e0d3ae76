import { effect, untracked, type ReadonlySignal } from '@preact/signals';
import { routeKey } from './route.js';

/** Something that runs only while a view needs it: a poller, a follower. */
export interface Activity {
  start(): void;
  stop(): void;
}

/**
 * Starts each activity while the route is one of its keys (`/incidents`, `/incidents/:id`, `/wall`)
 * and stops it otherwise, so a TV on the wall polls what the wall shows and nothing else.
 * Returns the function that stops following (and every activity).
 */
export function activateByRoute(path: ReadonlySignal<string>, table: ReadonlyArray<readonly [readonly string[], Activity]>): () => void {
  const running = new Set<Activity>();
  const dispose = effect(() => {
    const key = routeKey(path.value);
    // What an activity reads while starting is its own business, not a reason to re-run this table.
    untracked(() => {
      for (const [keys, activity] of table) {
      const wanted = keys.includes(key);
      if (wanted && !running.has(activity)) {
        running.add(activity);
        activity.start();
      } else if (!wanted && running.has(activity)) {
        running.delete(activity);
        activity.stop();
      }
    }
    });
  });
  return () => {
    dispose();
    for (const activity of running) activity.stop();
    running.clear();
  };
}
