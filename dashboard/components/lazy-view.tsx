import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ViewProps } from '../views/overview.js';

/** A view whose code is fetched the first time it is shown (a separate chunk); "Loading…" until then. */
export function lazyView(load: () => Promise<ComponentType<ViewProps>>): ComponentType<ViewProps> {
  let loaded: ComponentType<ViewProps> | null = null;
  let failed: string | null = null;
  let pending: Promise<unknown> | null = null;
  return function LazyView(props: ViewProps) {
    const [, setSettled] = useState(0);
    useEffect(() => {
      if (loaded || failed) return;
      let live = true;
      pending ??= load().then(
        (view) => (loaded = view),
        (error: unknown) => (failed = error instanceof Error ? error.message : String(error)),
      );
      void pending.then(() => live && setSettled((n) => n + 1));
      return () => {
        live = false;
      };
    }, []);
    if (loaded) {
      const View = loaded;
      return <View {...props} />;
    }
    return (
      <main class="page page--empty">
        <p>{failed ? `Could not load this page: ${failed}` : 'Loading…'}</p>
      </main>
    );
  };
}
