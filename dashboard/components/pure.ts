import { Component, type ComponentChild, type ComponentType } from 'preact';

/**
 * A component that renders again only when a prop changes identity (React's `memo`, without
 * preact/compat and its global option hooks). Only for components that read no signals: a component
 * that reads them is already skipped on equal props by @preact/signals, and this would block its updates.
 */
export function pure<P extends object>(render: (props: P) => ComponentChild): ComponentType<P> {
  return class Pure extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const current = this.props as Record<string, unknown>;
      const incoming = next as Record<string, unknown>;
      for (const key in incoming) if (incoming[key] !== current[key]) return true;
      for (const key in current) if (!(key in incoming)) return true;
      return false;
    }
    override render(props: P): ComponentChild {
      return render(props);
    }
  };
}
