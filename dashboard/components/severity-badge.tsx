import type { IncidentState, Severity } from '../../store/types.js';

/** Severity as glyph + word: a page must read as urgent without its colour. */
const SEVERITY_PRESENTATION: Readonly<Record<Severity, { readonly icon: string; readonly label: string }>> = {
  page: { icon: '!!', label: 'Page' },
  ticket: { icon: '!', label: 'Ticket' },
  info: { icon: 'i', label: 'Info' },
};

const STATE_LABELS: Readonly<Record<IncidentState, string>> = { open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved' };

/** `!! Page`, `! Ticket`, `i Info` on the severity's colour. */
export function SeverityBadge({ severity }: { readonly severity: Severity }) {
  const { icon, label } = SEVERITY_PRESENTATION[severity];
  return (
    <span class={`sev sev--${severity}`} data-severity={severity}>
      <span class="sev__icon" aria-hidden="true">
        {icon}
      </span>
      {label}
    </span>
  );
}

/** Open (filled), acknowledged (outlined), resolved (muted). */
export function StateBadge({ state }: { readonly state: IncidentState }) {
  return (
    <span class={`state state--${state}`} data-state={state}>
      {STATE_LABELS[state]}
    </span>
  );
}
