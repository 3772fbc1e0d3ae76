import { SeverityBadge } from '../components/severity-badge.js';
import { formatCount, formatDateTime, formatSpan } from '../format.js';
import type { ViewProps } from './overview.js';

/** `#/postmortems`: the history: which incident, how long it lasted, MTTR, open action items, status. */
export function PostmortemsView({ models }: ViewProps) {
  const list = models.postmortems;
  const rows = list.rows.value;
  return (
    <main class="page">
      <section class="panel" aria-labelledby="postmortems-title">
        <div class="panel__head">
          <h2 id="postmortems-title" class="panel__title">
            Postmortems
          </h2>
          {rows ? <span class="panel__note">{formatCount(rows.length)} shown</span> : null}
        </div>
        {list.error.value ? (
          <p class="panel__error" role="alert">
            {list.error.value}
          </p>
        ) : null}
        {rows === null ? <p class="muted">Loading…</p> : rows.length === 0 ? <p class="muted">No postmortems yet: write one from an incident.</p> : null}
        {rows && rows.length > 0 ? (
          <table class="table" data-testid="postmortem-list">
            <thead>
              <tr>
                <th>Postmortem</th>
                <th>Incident</th>
                <th>Opened</th>
                <th>Duration</th>
                <th>MTTR</th>
                <th>Open actions</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-postmortem={row.id}>
                  <td>
                    <a href={`#/postmortems/${row.id}`}>{row.title}</a>
                  </td>
                  <td>
                    <SeverityBadge severity={row.severity} /> <a href={`#/incidents/${row.incidentId}`}>#{row.incidentId}</a>{' '}
                    <span class="muted">{[row.env, row.service].filter((part) => part !== null).join(' / ')}</span>
                  </td>
                  <td>{formatDateTime(row.openedAt)}</td>
                  <td class="num">{formatSpan(row.durationSeconds)}</td>
                  <td class="num">{formatSpan(row.mttrSeconds)}</td>
                  <td class={row.openActionItems > 0 ? 'num num--attention' : 'num'}>{row.openActionItems}</td>
                  <td>
                    <span class={`pm-status pm-status--${row.status}`}>{row.status}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {list.hasOlder.value ? (
          <button type="button" class="button" onClick={() => void list.older()}>
            Older
          </button>
        ) : null}
      </section>
    </main>
  );
}
