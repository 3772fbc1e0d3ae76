import { safeHref } from '../markdown.js';

/** The runbook link when it is an http(s) URL (a template can render anything); a dash otherwise. */
export function RunbookLink({ url, label = 'Runbook ↗' }: { readonly url: string | null; readonly label?: string }) {
  const href = url === null ? null : safeHref(url);
  if (href === null) return <span class="muted">{url ?? '–'}</span>;
  return (
    <a class="runbook-link" href={href} target="_blank" rel="noopener noreferrer">
      {label}
    </a>
  );
}
