import type { StatusModel } from '../models/status.js';
import { formatClock } from '../format.js';

/** The views the header links to, in order. */
export const NAV_LINKS: ReadonlyArray<{ readonly path: string; readonly label: string }> = [
  { path: '/', label: 'Overview' },
  { path: '/incidents', label: 'Incidents' },
  { path: '/postmortems', label: 'Postmortems' },
  { path: '/slos', label: 'SLOs' },
  { path: '/reports', label: 'Reports' },
  { path: '/silences', label: 'Silences' },
  { path: '/wall', label: 'Wall' },
];

export interface AppHeaderProps {
  readonly status: StatusModel;
  /** The current route's key (`/incidents/:id`), for the link it names: a detail marks its list. */
  readonly path: string;
}

/** "Vigil", the navigation and when the status last came in. */
export function AppHeader({ status, path }: AppHeaderProps) {
  const answer = status.status.value;
  const stale = status.stale.value;
  return (
    <header class="header">
      <a class="header__brand" href="#/">
        <span class="header__logo" aria-hidden="true" />
        Vigil
      </a>
      <nav class="header__nav">
        {NAV_LINKS.map((link) => (
          <a key={link.path} href={`#${link.path}`} class="header__link" aria-current={path === link.path || (link.path !== '/' && path.startsWith(`${link.path}/`)) ? 'page' : undefined}>
            {link.label}
          </a>
        ))}
      </nav>
      <div class={stale ? 'header__updated header__updated--stale' : 'header__updated'} data-testid="last-updated">
        <span class="header__pulse" aria-hidden="true" />
        {answer === null ? 'Connecting…' : <>Updated <time dateTime={new Date(answer.generatedAt).toISOString()}>{formatClock(answer.generatedAt)}</time></>}
      </div>
    </header>
  );
}
